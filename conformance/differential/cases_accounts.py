"""Cases for users and wallets."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import datasdk
from differential import oracle as o
from differential import rows
from differential.paging import check_pages, page_spec
from differential.runner import Recorder, case, fresh, observe
from differential.values import (
    datetimes_any,
    ints,
    json_objects,
    spoiled,
    texts,
    user_ids_any,
    uuids_any,
    valid_datetimes,
    valid_json_objects,
    valid_texts,
)

FRESH = "<fresh>"
HASH = "$2b$12$" + "a" * 53
_status = st.sampled_from(("active", "canceled", "ACTIVE", "", "trialing ", 1))

USER_FIELDS = spoiled(
    {"id": st.just(FRESH)},
    {
        "email": st.sampled_from((FRESH, "  DX@Example.COM ")),
        "name": valid_texts(255),
        "password_hash": st.just(HASH),
        "email_verified_at": valid_datetimes(),
        "trial_ends_at": valid_datetimes(),
        "subscription_ends_at": valid_datetimes(),
        "subscription_status": st.sampled_from(("active", "canceled", "paused")),
        "stripe_customer_id": valid_texts(255),
        "unsubscribe_token": st.just(FRESH),
        "notification_preferences": valid_json_objects(),
        "onboarding_progress": valid_json_objects(),
        "metadata": valid_json_objects(),
    },
    {
        "id": user_ids_any(),
        "email": texts(),
        "name": texts(),
        "password_hash": st.sampled_from(("hunter2", "$argon2id$" + "x" * 20, "")),
        "email_verified_at": datetimes_any(),
        "trial_ends_at": datetimes_any(),
        "subscription_ends_at": datetimes_any(),
        "provider": st.sampled_from(("google", "x" * 21, "", "\x00")),
        "subscription_status": _status,
        "stripe_customer_id": texts(),
        "unsubscribe_token": texts(),
        "notification_preferences": json_objects(),
        "onboarding_progress": json_objects(),
        "metadata": json_objects(),
    },
)


def _resolve(fields: dict[str, Any]) -> dict[str, Any]:
    """Fresh ids and emails for the markers (examples share the database)."""
    out = dict(fields)
    if out.get("id") == FRESH:
        out["id"] = fresh("cu")
    if out.get("email") == FRESH:
        out["email"] = f"{fresh('e')}@example.com"
    if out.get("unsubscribe_token") == FRESH:
        out["unsubscribe_token"] = fresh("t")
    if out.get("email") == "  DX@Example.COM ":
        out["email"] = f"  {fresh('DX')}@Example.COM "
    return out


def _unique(state: dict[str, Any], key: str, value: object) -> None:
    if value is not None and value in state.setdefault(key, set()):
        raise o.Refused("UniqueViolation")


def _expected_user(fields: dict[str, Any], state: dict[str, Any]) -> Any:
    for name in ("notification_preferences", "onboarding_progress", "metadata"):
        o.json_field(fields.get(name))
    new = o.model(datasdk.NewUser, fields)
    _unique(state, "ids", new.id)
    _unique(state, "emails", new.email)
    _unique(state, "tokens", new.unsubscribe_token)
    _unique(state, "providers", (new.provider, new.provider_id) if new.provider else None)
    dumped = o.utc(new.model_dump(exclude_none=True))
    return rows.user_value(dumped.pop("id", "<generated>"), dumped.pop("email", None), **dumped)


def _remember(state: dict[str, Any], user: datasdk.User) -> None:
    state.setdefault("ids", set()).add(user.id)
    state.setdefault("emails", set()).add(user.email)
    state.setdefault("tokens", set()).add(user.unsubscribe_token)
    if user.provider:
        state.setdefault("providers", set()).add((user.provider, user.provider_id))


@case("users.create", USER_FIELDS)
async def users_create(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    fields = _resolve(spec)
    expected = o.expect(lambda: _expected_user(fields, state))
    generated = fields.get("id") is None
    names = (lambda user: {user.id: "<generated>"}) if generated else None
    made = await observe(lambda: db.users.create(datasdk.NewUser(**fields)), names)
    rec.check("users.create", fields, expected, made)
    if made.ok:
        _remember(state, made.value)
        again = await observe(lambda: db.users.get(made.value.id), names)
        rec.check("users.create/get", fields, expected, again)


def _lookup_user(value: object, known: dict[str, Any]) -> Any:
    if o.user_id(value) not in known:
        raise o.Refused("NotFoundError")
    return known[value]  # type: ignore[index]


USER_REF = st.one_of(st.just(FRESH), user_ids_any())


@case("users.get", st.fixed_dictionaries({"user_id": USER_REF}))
async def users_get(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any) -> None:
    uid = await rows.user(db)
    known = {uid: rows.user_value(uid, f"{uid}@example.com")}
    wanted = uid if spec["user_id"] == FRESH else spec["user_id"]
    expected = o.expect(lambda: _lookup_user(wanted, known))
    rec.check("users.get", spec, expected, await observe(lambda: db.users.get(wanted)))


EMAILS = st.one_of(st.sampled_from((FRESH, "upper", "spaced")), texts())


@case("users.get_by_email", st.fixed_dictionaries({"email": EMAILS}))
async def users_get_by_email(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    uid = await rows.user(db)
    email = f"{uid}@example.com"
    wanted = {FRESH: email, "upper": email.upper(), "spaced": f" {email}\t"}.get(
        spec["email"], spec["email"]
    )

    def expected() -> Any:
        o.text(wanted)
        normalised = o.model(datasdk.NewUser, {"email": wanted}).email
        if normalised != email:
            raise o.Refused("NotFoundError")
        return rows.user_value(uid, email)

    got = await observe(lambda: db.users.get_by_email(wanted))
    rec.check("users.get_by_email", spec, o.expect(expected), got)


@case("users.delete", st.fixed_dictionaries({"user_id": USER_REF}))
async def users_delete(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    uid = await rows.user(db, credits=3)
    wanted = uid if spec["user_id"] == FRESH else spec["user_id"]
    expected = o.expect(lambda: _lookup_user(wanted, {uid: None}))
    rec.check("users.delete", spec, expected, await observe(lambda: db.users.delete(wanted)))
    gone = uid == wanted and expected.error is None
    after = o.expect(
        lambda: _lookup_user(uid, {} if gone else {uid: rows.user_value(uid, f"{uid}@example.com")})
    )
    rec.check("users.delete/get", spec, after, await observe(lambda: db.users.get(uid)))


# --- wallets -----------------------------------------------------------------------

WALLET_SPEC = st.fixed_dictionaries({"user_id": USER_REF, "has_wallet": st.booleans()})


def _wallet(wanted: object, uid: str, balance: int, exists: bool) -> Any:
    if o.user_id(wanted) != uid or not exists:
        raise o.Refused("NotFoundError")
    return rows.wallet_value(uid, balance)


@case("wallets.open", WALLET_SPEC)
async def wallets_open(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    uid = await rows.user(db, wallet=spec["has_wallet"])
    wanted = uid if spec["user_id"] == FRESH else spec["user_id"]
    expected = o.expect(lambda: _wallet(wanted, uid, 0, True))
    got = await observe(lambda: db.wallets.open(wanted), _wallet_names)
    rec.check("wallets.open", spec, expected, got)


@case("wallets.get", WALLET_SPEC)
async def wallets_get(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    uid = await rows.user(db, wallet=spec["has_wallet"])
    wanted = uid if spec["user_id"] == FRESH else spec["user_id"]
    expected = o.expect(lambda: _wallet(wanted, uid, 0, spec["has_wallet"]))
    got = await observe(lambda: db.wallets.get(wanted), _wallet_names)
    rec.check("wallets.get", spec, expected, got)


def _wallet_names(wallet: Any) -> dict[Any, str]:
    return {wallet.id: "<wallet>"}


_KINDS = [k.value for k in datasdk.CreditKind]
MOVE_SPEC = spoiled(
    {
        "user_id": st.just(FRESH),
        "amount": st.one_of(st.integers(1, 60), st.sampled_from((2**53, 2**31))),
        "kind": st.sampled_from(_KINDS),
        "key": st.one_of(st.just(FRESH), valid_texts(255)),
        "job": st.sampled_from((None, "existing")),
        "balance": st.one_of(st.integers(0, 50), st.just(2**53)),
        "repeat": st.sampled_from(("none", "same", "other")),
    },
    {},
    {
        "user_id": user_ids_any(),
        "amount": ints(-3, 60),
        "kind": st.one_of(texts(), ints()),
        "key": texts(),
        "job": uuids_any(),
    },
)


async def _move(db: datasdk.Database, spec: dict[str, Any], rec: Recorder, debit: bool) -> None:
    uid = await rows.user(db, wallet=True, credits=spec["balance"])
    wallet = await db.wallets.get(uid)
    job = await rows.job(db) if spec["job"] == "existing" else None
    job_ref = job.id if job else spec["job"]
    wanted = uid if spec["user_id"] == FRESH else spec["user_id"]
    key = fresh("k") if spec["key"] == FRESH else spec["key"]
    names = {wallet.id: "<wallet>", **({job.id: "<job>"} if job else {})}
    move = db.wallets.debit if debit else db.wallets.credit

    def expected() -> Any:
        amount = o.integer(spec["amount"], 1, 2**53)
        o.bounded_text(key, 1, 255)
        chosen = o.kind(spec["kind"], debit)
        ref = None if job_ref is None else o.row_id(job_ref)
        if o.user_id(wanted) != uid:
            raise o.Refused("NotFoundError")
        if debit and amount > spec["balance"]:
            # Nothing is written, so no reference is checked.
            raise o.Refused("InsufficientCredits")
        if ref is not None and job is None:
            raise o.Refused("ForeignKeyViolation")
        signed = -amount if debit else amount
        return {
            "id": "<uuid>",
            "wallet_id": "<wallet>",
            "amount": signed,
            "kind": chosen,
            "idempotency_key": key,
            "scan_job_id": "<job>" if job else None,
            "created_at": o.NOW,
        }

    want = o.expect(expected)
    step = "wallets.debit" if debit else "wallets.credit"

    def call():
        return move(
            wanted, spec["amount"], kind=spec["kind"], idempotency_key=key, scan_job_id=job_ref
        )

    rec.check(step, spec, want, await observe(call, names))
    moved = want.error is None
    if moved and spec["repeat"] != "none":
        if spec["repeat"] == "same":
            rec.check(f"{step}/repeat", spec, want, await observe(call, names))
        else:

            def other():
                return move(
                    wanted,
                    1 + spec["amount"] if spec["amount"] < 2**53 else 1,
                    kind=spec["kind"],
                    idempotency_key=key,
                    scan_job_id=job_ref,
                )

            conflict = o.Expected(error="IdempotencyKeyConflict")
            rec.check(f"{step}/conflict", spec, conflict, await observe(other, names))
    signed = spec["amount"] if moved else 0
    balance = spec["balance"] + (-signed if debit else signed)
    after = o.expect(lambda: rows.wallet_value(uid, balance))
    rec.check(f"{step}/balance", spec, after, await observe(lambda: db.wallets.get(uid), names))


@case("wallets.credit", MOVE_SPEC)
async def wallets_credit(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    await _move(db, spec, rec, debit=False)


@case("wallets.debit", MOVE_SPEC)
async def wallets_debit(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    await _move(db, spec, rec, debit=True)


@case("wallets.history", page_spec(user_ids_any()))
async def wallets_history(
    db: datasdk.Database, spec: dict[str, Any], rec: Recorder, state: Any
) -> None:
    uid = await rows.user(db, wallet=True)
    wallet = await db.wallets.get(uid)
    made = []
    for i in range(spec["rows"]):
        key = fresh("h")
        await db.wallets.credit(uid, i + 1, kind="grant", idempotency_key=key)
        made.append(
            {
                "id": "<uuid>",
                "wallet_id": "<wallet>",
                "amount": i + 1,
                "kind": "grant",
                "idempotency_key": key,
                "scan_job_id": None,
                "created_at": o.NOW,
            }
        )
    owner = uid if spec["owner"] == FRESH else spec["owner"]

    def owner_ok() -> bool:
        if o.user_id(owner) != uid:
            raise o.Refused("NotFoundError")  # no such wallet
        return True

    await check_pages(
        rec,
        "wallets.history",
        spec,
        made,
        owner,
        owner_ok,
        lambda who, limit, cursor: db.wallets.history(who, limit=limit, cursor=cursor),
        {wallet.id: "<wallet>"},
    )
