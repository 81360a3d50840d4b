"""The differential property suite's parts: hostile values, the oracle, the cases.

Every case draws its input with Hypothesis, runs it on the backend under test and
compares the outcome with the oracle's (oracle.py), which states the SDK's intended
rules and never asks a database: every backend is held to the same answers.
"""
