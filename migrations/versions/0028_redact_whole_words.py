"""Erasure replaces a person's values as whole words: grants_redact_person (PostgreSQL) no longer
cuts into a longer word that starts or ends with a value (erasing "Trần Văn An" left "[đã ẩn
danh]h" of "Trần Văn Anh", and "an@x.vn" cut into "hoan@x.vn"), and it now finds a value inside
a longer text of the audit trail's JSON (it replaced only whole JSON values there). The rule is
``grants.domain.privacy.redact_words``'s: no letter, digit or underscore on either side; inside
JSON a value may also follow an escaped line break or tab. SQLite does the same in Python
(``grants.services.privacy``): nothing to change there.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 11:40:00

"""
import runpy
from pathlib import Path

from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

PG_REDACT = r"""
CREATE OR REPLACE FUNCTION grants_redact_person(p_user_id integer, p_values text[],
                                                p_replacement text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v text;
  inner_v text;
  word text;
  json_word text;
  -- Replacement strings of regexp_replace read a backslash as an escape.
  plain_r text := replace(p_replacement, '\', '\\');
  json_r text := replace(trim(both '"' from to_json(p_replacement)::text), '\', '\\');
  changed integer;
  total integer := 0;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM personal_data_erasures
                 WHERE user_id = p_user_id AND in_progress) THEN
    RAISE EXCEPTION 'grants_redact_person: no erasure in progress for user %', p_user_id;
  END IF;
  IF p_values IS NULL OR EXISTS (SELECT 1 FROM unnest(p_values) AS x WHERE length(x) < 3) THEN
    RAISE EXCEPTION 'grants_redact_person: every value needs at least 3 characters';
  END IF;
  PERFORM set_config('grants.redacting', 'on', true);
  FOREACH v IN ARRAY p_values LOOP
    -- The value as it appears inside a JSON string, its quotes stripped.
    inner_v := trim(both '"' from to_json(v)::text);
    -- The value as a literal in a pattern (every character but letters, digits and spaces
    -- escaped), standing as a whole word.
    word := '(?<![[:alnum:]_])' || regexp_replace(v, '([^[:alnum:][:space:]])', '\\\1', 'g')
            || '(?![[:alnum:]_])';
    json_word := '(?:(?<=\\[nrt])|(?<![[:alnum:]_]))'
                 || regexp_replace(inner_v, '([^[:alnum:][:space:]])', '\\\1', 'g')
                 || '(?![[:alnum:]_])';
    UPDATE audit_events SET
      before_json = regexp_replace(before_json, json_word, json_r, 'g'),
      after_json = regexp_replace(after_json, json_word, json_r, 'g'),
      note = regexp_replace(note, word, plain_r, 'g')
    WHERE strpos(coalesce(before_json, '') || coalesce(after_json, '') || coalesce(note, ''),
                 inner_v) + strpos(coalesce(note, ''), v) > 0
      AND (coalesce(before_json, '') ~ json_word OR coalesce(after_json, '') ~ json_word
           OR coalesce(note, '') ~ word);
    GET DIAGNOSTICS changed = ROW_COUNT;
    total := total + changed;
    UPDATE security_events SET
      email = CASE WHEN lower(email) = lower(v) THEN p_replacement ELSE email END,
      detail_json = regexp_replace(detail_json, json_word, json_r, 'g')
    WHERE lower(coalesce(email, '')) = lower(v)
       OR (strpos(coalesce(detail_json, ''), inner_v) > 0
           AND coalesce(detail_json, '') ~ json_word);
    UPDATE domain_events SET payload_json = regexp_replace(payload_json, json_word, json_r, 'g')
    WHERE strpos(payload_json, inner_v) > 0 AND payload_json ~ json_word;
  END LOOP;
  UPDATE audit_events SET ip = NULL WHERE actor_id = p_user_id AND ip IS NOT NULL;
  GET DIAGNOSTICS changed = ROW_COUNT;
  total := total + changed;
  UPDATE security_events SET ip = NULL WHERE user_id = p_user_id AND ip IS NOT NULL;
  PERFORM set_config('grants.redacting', 'off', true);
  RETURN total;
END;
$$;
REVOKE ALL ON FUNCTION grants_redact_person(integer, text[], text) FROM PUBLIC;
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_REDACT)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":  # 0027's function, as it was
        previous = runpy.run_path(str(Path(__file__).with_name("0027_redact_events.py")))
        op.execute(previous["PG_REDACT"])
