"""`manage.py audit_verify`: OK on an intact chain; names the first broken entry when a row was edited or
removed, or when the last entry or the chain head was tampered with."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.audit import chain
from dangjian.audit.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def _record(n):
    for i in range(n):
        chain.record(AuditEntry.Action.UPDATE, "orgs.organization", i + 1, object_repr=f"org {i}",
                     org_path="00000001", before={"name": "a"}, after={"name": f"b{i}"})


def _verify():
    out, err = StringIO(), StringIO()
    call_command("audit_verify", stdout=out, stderr=err)
    return out.getvalue()


def test_intact_chain_is_ok():
    _record(5)
    assert _verify().strip() == "OK: 5 entries verified"


def test_empty_chain_is_ok():
    assert _verify().strip() == "OK: 0 entries verified"


def test_edited_after_is_detected_and_named():
    _record(5)
    target = AuditEntry.objects.get(seq=3)
    AuditEntry.objects.filter(pk=target.pk).update(after={"name": "forged"})
    with pytest.raises(CommandError) as excinfo:
        _verify()
    message = str(excinfo.value)
    assert f"seq 3, id {target.pk}" in message and "altered" in message


def test_rehashed_edit_breaks_the_next_link():
    """A forger who also recomputes the edited row's hash is caught at the next entry."""
    _record(5)
    target = AuditEntry.objects.get(seq=2)
    target.after = {"name": "forged"}
    target.hash = chain.compute_hash(target.prev_hash, target)
    AuditEntry.objects.filter(pk=target.pk).update(after=target.after, hash=target.hash)
    with pytest.raises(CommandError) as excinfo:
        _verify()
    nxt = AuditEntry.objects.get(seq=3)
    assert f"seq 3, id {nxt.pk}" in str(excinfo.value)


def test_deleted_middle_row_is_detected_and_named():
    _record(5)
    AuditEntry.objects.filter(seq=3).delete()
    with pytest.raises(CommandError) as excinfo:
        _verify()
    message = str(excinfo.value)
    assert "seq 3" in message and "missing" in message


def test_edited_last_row_is_detected():
    _record(4)
    last = AuditEntry.objects.get(seq=4)
    AuditEntry.objects.filter(pk=last.pk).update(object_repr="someone else")
    with pytest.raises(CommandError) as excinfo:
        _verify()
    assert f"seq 4, id {last.pk}" in str(excinfo.value)


def test_removed_last_row_is_detected_through_the_head():
    _record(4)
    AuditEntry.objects.filter(seq=4).delete()
    with pytest.raises(CommandError) as excinfo:
        _verify()
    message = str(excinfo.value)
    assert "seq 4" in message and "removed" in message


def test_edited_head_is_detected():
    _record(3)
    AuditHead.objects.filter(pk=1).update(hash="f" * 64)
    with pytest.raises(CommandError) as excinfo:
        _verify()
    assert "seq 4" in str(excinfo.value)


def test_exit_code_and_stderr_from_the_command_line(monkeypatch, capsys):
    """As run by manage.py: exit 0 when intact; non-zero, naming the entry on stderr, when broken."""
    from django.db import connections

    from dangjian.audit.management.commands.audit_verify import Command

    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's connection open
    _record(3)
    Command().run_from_argv(["manage.py", "audit_verify"])  # returns normally: exit status 0
    assert "OK: 3 entries verified" in capsys.readouterr().out
    target = AuditEntry.objects.get(seq=2)
    AuditEntry.objects.filter(pk=target.pk).update(before={"name": "forged"})
    with pytest.raises(SystemExit) as excinfo:
        Command().run_from_argv(["manage.py", "audit_verify"])
    assert excinfo.value.code != 0
    captured = capsys.readouterr()
    assert f"seq 2, id {target.pk}" in captured.err and "OK" not in captured.out
