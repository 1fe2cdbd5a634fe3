"""The message catalogs: extracting strings and checking the catalogs are
complete. Used by scripts/update-messages and tests/kaikukanta/test_translations.py.

fi is the default language, sv and en are complete: every string of the code
and the templates has a Finnish and a Swedish translation, and the English
catalog repeats the English source string (so "complete" means the same for
all three)."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fi", "sv", "en")
DOMAINS = ("django", "djangojs")
# What makemessages reads: our apps, templates and scripts; never the
# virtualenv, vendored code, tests or collected static files.
SOURCES = ("kaikukanta", "venues", "usage", "stats", "templates", "static/kaikukanta")
IGNORE = [".venv/*", "staticfiles/*", "static/vendor/*", "node_modules/*", "tests/*", "bench/*"]


def catalog_path(root: Path, language: str, domain: str = "django") -> Path:
    return root / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


def extract(root: Path) -> None:
    """Run makemessages in `root` (a checkout or a copy of one)."""
    for domain in DOMAINS:
        command = [
            sys.executable,
            "manage.py",
            "makemessages",
            "--no-obsolete",
            "--no-location",
            "-d",
            domain,
            *[f"-l{language}" for language in LANGUAGES],
        ]
        for pattern in IGNORE:
            command += ["-i", pattern]
        env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "kaikukanta.settings"}
        result = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
        if result.returncode:
            raise RuntimeError(f"makemessages failed:\n{result.stderr}")


def fill_english(root: Path) -> None:
    for domain in DOMAINS:
        path = catalog_path(root, "en", domain)
        if not path.exists():
            continue
        catalog = polib.pofile(str(path))
        for entry in catalog:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        catalog.save()


def set_headers(root: Path) -> None:
    for language in LANGUAGES:
        for domain in DOMAINS:
            path = catalog_path(root, language, domain)
            if not path.exists():
                continue
            catalog = polib.pofile(str(path))
            catalog.metadata["Language"] = language
            catalog.metadata["Project-Id-Version"] = "Kaikukanta"
            catalog.metadata["Language-Team"] = f"Kaikukanta {language}"
            catalog.header = "Kaikukanta message catalog."
            catalog.metadata_is_fuzzy = False
            catalog.save()


def update(root: Path = ROOT) -> None:
    extract(root)
    fill_english(root)
    set_headers(root)


def extracted_msgids(root: Path = ROOT) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """What a fresh extraction of the code would put in the catalogs, without
    touching the checkout: (language, domain) → {(msgctxt, msgid)}."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp)
        for name in (*SOURCES, "locale"):
            source = root / name
            if source.exists():
                shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("*.mo"))
        for name in ("manage.py",):
            shutil.copy(root / name, copy / name)
        extract(copy)
        return {
            (language, domain): msgids(catalog_path(copy, language, domain))
            for language in LANGUAGES
            for domain in DOMAINS
        }


def msgids(path: Path) -> set[tuple[str, str]]:
    if not path.exists():
        return set()
    return {(entry.msgctxt or "", entry.msgid) for entry in polib.pofile(str(path))}


def untranslated(path: Path) -> list[str]:
    """Entries with no translation, or marked fuzzy (a guess to check)."""
    if not path.exists():
        return []
    catalog = polib.pofile(str(path))
    missing = [entry.msgid for entry in catalog.untranslated_entries()]
    return missing + [entry.msgid for entry in catalog.fuzzy_entries()]


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    else:
        sys.exit("usage: python -m tests.i18n update")
