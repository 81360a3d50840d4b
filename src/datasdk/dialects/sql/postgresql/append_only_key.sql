    IF EXISTS (SELECT 1 FROM {table} AS existing WHERE {match}) THEN
        RAISE EXCEPTION USING ERRCODE = '23505', CONSTRAINT = '{constraint}', TABLE = '{table}',
            MESSAGE = 'datasdk:unique:{table}:{constraint}';
    END IF;
