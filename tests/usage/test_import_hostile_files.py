"""Workbooks that are small on disk but ask for a great deal of work are
refused within a budget, with a message that names the limit, and nothing is
saved (issue 9, "bounded work per upload")."""

import time

import pytest

from tests.usage import hostile_files
from tests.usage.offline_helpers import counts, days_ago, upload, workbook
from usage.sheets import files
from usage.sheets.files import FileRefused, open_upload

pytestmark = pytest.mark.usefixtures("english")


def _refused(contact, net, data: bytes) -> str:
    response = upload(contact, net.venue_a, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "The file could not be imported." in content
    assert "Nothing was saved." in content
    assert counts() == (0, 0)
    return content


def test_a_2_kb_workbook_with_200_column_long_merges_is_refused_at_once(net, world, contact):
    data = hostile_files.merge_bomb(200)
    assert len(data) < 2048

    started = time.monotonic()
    content = _refused(contact, net, data)

    assert "merged cells cover more than 100,000 cells" in content
    # Counted in the raw XML before anything parses it (minutes of CPU before).
    assert time.monotonic() - started < 10


def test_more_than_1000_merged_ranges_are_refused(net, world, contact):
    content = _refused(contact, net, hostile_files.many_merged_ranges(1001))
    assert "more than 1,000 merged cell ranges" in content


def test_a_small_workbook_that_unpacks_to_50_mb_is_refused_unread(net, world, contact):
    data = hostile_files.unpacks_to(49)
    assert len(data) < files.MAX_UPLOAD_BYTES

    content = _refused(contact, net, data)

    assert "unpacks to more than 20 MB" in content


def test_more_than_500000_cells_are_refused(net, world, contact):
    data = hostile_files.rows_of_cells(100_001, columns=5)
    assert len(data) < files.MAX_UPLOAD_BYTES

    content = _refused(contact, net, data)

    assert "more than 500,000 cells" in content


def test_more_than_500000_shared_strings_are_refused(net, world, contact):
    content = _refused(contact, net, hostile_files.many_shared_strings(500_001))
    assert "more than 500,000 different texts" in content


def test_a_workbook_that_takes_too_long_to_read_is_stopped_at_its_cpu_budget(
    net, world, contact, monkeypatch
):
    # Within every count (300,000 cells), but more than a second of openpyxl.
    monkeypatch.setattr(files, "READ_CPU_SECONDS", 1)
    data = hostile_files.rows_of_cells(60_000, columns=5)

    content = _refused(contact, net, data)

    assert "took longer than 1 seconds" in content


def test_a_reader_that_does_not_finish_on_the_clock_is_stopped(monkeypatch):
    monkeypatch.setattr(files, "READ_WALL_SECONDS", 0.01)
    data = workbook([["Date", "Offering", "Card ID"], [days_ago(3), "Hamlet", "KK000001"]])

    with pytest.raises(FileRefused) as refused:
        open_upload(data)

    assert refused.value.code == "too_slow"


def test_the_reader_gets_no_settings_or_secrets(monkeypatch):
    seen = {}
    real_run = files.subprocess.run

    def spying(args, **kwargs):
        seen.update(kwargs["env"])
        return real_run(args, **kwargs)

    monkeypatch.setenv("DATABASE_URL", "postgres://secret@db/kaikukanta")
    monkeypatch.setattr(files.subprocess, "run", spying)
    open_upload(workbook([["Date", "Offering", "Card ID"]]))

    assert "DATABASE_URL" not in seen and "SECRET_KEY" not in seen
    assert not any(name.startswith("DJANGO") for name in seen)


def test_the_limits_messages_are_translated(net, world, contact, settings):
    settings.LANGUAGE_CODE = "fi"
    response = upload(contact, net.venue_a, hostile_files.merge_bomb(200))
    content = response.content.decode()
    assert "100 000" in content or "100\xa0000" in content
    assert "merged cells cover" not in content


def test_the_reader_knows_the_offline_tables_hidden_sheet_by_its_name():
    from usage.sheets import workbook_reader
    from usage.sheets.offline_table import KEYS_SHEET

    assert workbook_reader.KEYS_SHEET == KEYS_SHEET


def test_a_reader_that_could_not_be_started_refuses_the_file(monkeypatch):
    def no_processes(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(files.subprocess, "run", no_processes)
    data = workbook([["Date", "Offering", "Card ID"]])

    with pytest.raises(FileRefused) as refused:
        open_upload(data)

    assert refused.value.code == "unreadable"
