"""Personal identifiers at rest: encryption, blind index, masks, and what a database dump shows."""

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from dangjian.audit.models import AuditEntry
from dangjian.people import crypto
from dangjian.people.models import Person

from .factories import id_number, make_org, make_person

text = st.text(min_size=1, max_size=60)


@given(text)
def test_round_trip(value):
    token = crypto.encrypt(value)
    assert token.startswith(crypto.PREFIX)
    assert crypto.decrypt(token) == value


@given(st.text(alphabet="0123456789X", min_size=8, max_size=18))
def test_ciphertext_does_not_contain_the_clear_value(value):
    assert value not in crypto.encrypt(value).removeprefix(crypto.PREFIX)


def test_empty_values_stay_empty():
    assert crypto.encrypt("") == "" and crypto.encrypt(None) == ""
    assert crypto.decrypt("") == "" and crypto.decrypt(None) == ""
    assert crypto.blind_index("") is None and crypto.blind_index(None) is None
    assert crypto.mask_id_number("") == "" and crypto.mask_phone("") == ""


@given(text)
def test_two_encryptions_of_the_same_value_differ(value):
    a, b = crypto.encrypt(value), crypto.encrypt(value)
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == value


def test_nonces_are_random():
    nonces = {crypto.encrypt("110105194912310021")[3:19] for _ in range(200)}
    assert len(nonces) == 200


def test_tampered_ciphertext_is_refused():
    import base64

    token = crypto.encrypt("13912345678")
    raw = bytearray(base64.b64decode(token.removeprefix(crypto.PREFIX)))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt(crypto.PREFIX + base64.b64encode(bytes(raw)).decode())


def test_another_key_cannot_decrypt(settings):
    token = crypto.encrypt("110105194912310021")
    index = crypto.blind_index("110105194912310021")
    settings.FIELD_ENCRYPTION_KEY = "another key entirely"
    with pytest.raises(InvalidTag):
        crypto.decrypt(token)
    assert crypto.blind_index("110105194912310021") != index


@given(st.text(alphabet="0123456789Xx", min_size=1, max_size=18))
def test_blind_index_is_stable_and_normalised(value):
    index = crypto.blind_index(value)
    assert len(index) == 64
    assert index == crypto.blind_index(value)
    assert index == crypto.blind_index(f"  {value.upper()}\t")
    assert index == crypto.blind_index(value.lower())


def test_blind_index_separates_values():
    values = [id_number(n) for n in range(1, 300)]
    assert len({crypto.blind_index(v) for v in values}) == len(values)
    # Keyed: not a plain hash of the value.
    import hashlib

    assert crypto.blind_index(values[0]) != hashlib.sha256(values[0].encode()).hexdigest()


def test_masks():
    assert crypto.mask_id_number("110105194912310021") == "1101**********0021"
    assert crypto.mask_phone("13912345678") == "139****5678"
    assert crypto.mask_phone("010-12345678") == "010****5678"
    assert crypto.mask_phone("12345") == "12*45"


@given(st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_masks_hide_the_middle(value):
    masked_id = crypto.mask_id_number(value)
    assert len(masked_id) == len(value)
    assert masked_id[4:-4] == "*" * (len(value) - 8)
    masked_phone = crypto.mask_phone(value)
    assert value not in masked_phone and "****" in masked_phone


def _dump(cursor, table):
    cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (fixed table names)
    return [" ".join("" if v is None else str(v) for v in row) for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_database_dump_shows_no_clear_id_number_or_phone():
    branch = make_org("committee", name="党委")
    branch = make_org("branch", parent=branch, name="支部")
    clear_id = id_number(4242)
    clear_phone = "13987654321"
    person = make_person(branch, name="张三", id_number=clear_id, phone=clear_phone)
    # An update goes through the audit trail as well.
    from dangjian.people.services import update_person

    update_person(None, person, {"phone": "13911112222", "id_number": clear_id})
    person.refresh_from_db()
    assert person.get_id_number() == clear_id and person.get_phone() == "13911112222"
    assert person.id_number_masked == crypto.mask_id_number(clear_id)

    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            rows.extend(_dump(cursor, table))
    assert any("张三" in r for r in rows)  # the dump did read the data
    for secret in (clear_id, clear_phone, "13911112222", clear_id[4:14]):
        assert not any(secret in r for r in rows), secret
    assert AuditEntry.objects.filter(model="people.person").count() >= 2


@pytest.mark.django_db
def test_lookups_by_blind_index():
    org = make_org("committee")
    branch = make_org("branch", parent=org)
    clear_id = id_number(4343)
    person = make_person(branch, id_number=clear_id.lower(), phone="13900001111")
    assert Person.objects.get(id_number_hash=crypto.blind_index(clear_id)) == person
    assert Person.objects.get(phone_hash=crypto.blind_index(" 13900001111 ")) == person
