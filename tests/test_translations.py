"""Every user-facing string has a zh-hans translation, and the compiled catalogue matches the .po.

The first test re-extracts the messages from the code (Django's makemessages, i.e. xgettext) into a temporary
catalogue seeded with the committed one, so a string added without a translation fails here."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "dangjian" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# dangjian/locale is ignored so that makemessages writes only to the temporary catalogue, never the committed one.
IGNORE = [".venv", "node_modules", "var", "dangjian/static/vendor", "dangjian/locale", "tests", "bench", "docs"]


def _missing(po):
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_committed_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    assert not _missing(po), f"untranslated: {_missing(po)[:20]}"
    mo = polib.mofile(str(MO))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    for e in po:
        if e.obsolete:
            continue
        assert compiled.get((e.msgctxt, e.msgid)) == (e.msgstr, tuple(sorted(e.msgstr_plural.items()))), (
            f"django.mo is stale for {e.msgid!r}: run `make compilemessages`")


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    target = tmp_path / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(PO, target / "django.po")
    settings.LOCALE_PATHS = [str(tmp_path)]
    monkeypatch.chdir(ROOT)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORE, verbosity=0, no_obsolete=True)
    fresh = polib.pofile(str(target / "django.po"))
    missing = _missing(fresh)
    assert not missing, f"{len(missing)} strings without a zh-hans translation, e.g. {missing[:15]}"


@pytest.mark.django_db
def test_pages_render_in_chinese_by_default_and_english_on_request(client, tree):
    client.force_login(tree.users.branch1)
    page = client.get("/").content.decode()
    assert "首页" in page
    with translation.override("en"):
        response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Home" in client.get("/").content.decode()
