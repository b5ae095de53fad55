import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.consultations.importer import ConsultationImport, ImportFileError
from tsunagu.consultations.models import Consultation, ImportedFile
from tsunagu.core.cli import main
from tsunagu.core.eras import TOKYO
from tsunagu.people.models import Person
from tsunagu.people.services import person_create

from .conftest import HEADER


def run(personas: Personas, path: Path, code: str = "232297") -> None:
    call_command("import_data", "consultations", str(path), municipality=code)


def saved(personas: Personas) -> list[Consultation]:
    with scope(municipality=personas.municipality):
        return list(Consultation.objects.order_by("occurred_at", "pk"))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2018-04-02", datetime(2018, 4, 2, 0, 0, tzinfo=TOKYO)),
        ("2018-04-02 14:30", datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO)),
        ("2018/4/2", datetime(2018, 4, 2, 0, 0, tzinfo=TOKYO)),
        ("2018/4/2 9:05", datetime(2018, 4, 2, 9, 5, tzinfo=TOKYO)),
        ("平成30年4月2日", datetime(2018, 4, 2, 0, 0, tzinfo=TOKYO)),
        ("平成30年4月2日 14:30", datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO)),
        ("H30.4.2", datetime(2018, 4, 2, 0, 0, tzinfo=TOKYO)),
        ("H30.4.2 14:30", datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO)),
        ("令和元年5月1日", datetime(2019, 5, 1, 0, 0, tzinfo=TOKYO)),
        ("令和元年5月1日 08:00", datetime(2019, 5, 1, 8, 0, tzinfo=TOKYO)),
        ("R1.5.1", datetime(2019, 5, 1, 0, 0, tzinfo=TOKYO)),
        ("R1.5.1 23:59", datetime(2019, 5, 1, 23, 59, tzinfo=TOKYO)),
    ],
)
def test_it_reads_every_date_notation_as_tokyo_time(
    personas: Personas, write_csv: Callable[..., Path], written: str, expected: datetime
) -> None:
    run(personas, write_csv(f"{written},電話,本人,,,,"))
    [consultation] = saved(personas)
    assert consultation.occurred_at == expected
    assert consultation.local_month == expected.strftime("%Y-%m")


def test_it_saves_every_column(
    personas: Personas, write_csv: Callable[..., Path], person: Person
) -> None:
    row = f"H30.4.2 14:30,来所,家族,母,{person.number},toyoake-counselor,母が来所"
    run(personas, write_csv(row))
    [c] = saved(personas)
    assert (c.channel, c.consulter, c.consulter_relation) == ("walk_in", "family", "mother")
    assert c.person_id == person.pk
    assert c.staff == personas.members["counselor"]
    assert c.summary == "母が来所"
    assert c.recorded_by is None


@pytest.mark.parametrize(
    ("channel", "consulter", "relation", "expected"),
    [
        ("phone", "family", "father", ("phone", "family", "father")),
        ("電話", "家族", "父", ("phone", "family", "father")),
        ("Phone", "Family", "Father", ("phone", "family", "father")),
        ("訪問", "民生委員・地域", "", ("home_visit", "community", "")),
        ("ﾒｰﾙ", "匿名", "", ("email", "anonymous", "")),
        ("Web", "関係機関", "", ("web", "agency", "")),
        ("HOME_VISIT", "anonymous", "", ("home_visit", "anonymous", "")),
        ("手紙", "家族", "兄弟姉妹", ("letter", "family", "sibling")),
        ("その他", "家族", "祖父母", ("other", "family", "grandparent")),
        ("関係機関", "家族", "配偶者", ("agency", "family", "spouse")),
        ("電話", "家族", "子", ("phone", "family", "child")),
        ("電話", "家族", "その他", ("phone", "family", "other")),
    ],
)
def test_it_accepts_codes_and_labels(
    personas: Personas,
    write_csv: Callable[..., Path],
    channel: str,
    consulter: str,
    relation: str,
    expected: tuple[Any, ...],
) -> None:
    run(personas, write_csv(f"2018-04-02,{channel},{consulter},{relation},,,"))
    [c] = saved(personas)
    assert (c.channel, c.consulter, c.consulter_relation) == expected


def test_it_reads_a_csv_with_a_bom_and_crlf(
    personas: Personas, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        "2018-04-02,電話,本人,,,,一件目", "2018-04-03,来所,本人,,,,二件目", newline="\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    run(personas, path)
    assert [c.summary for c in saved(personas)] == ["一件目", "二件目"]


def test_it_keeps_a_quoted_summary_spanning_lines(
    personas: Personas, write_csv: Callable[..., Path]
) -> None:
    path = write_csv('2018-04-02,電話,本人,,,,"一行目\r\n二行目"', "2018-04-03,電話,本人,,,,次")
    run(personas, path)
    assert [c.summary for c in saved(personas)] == ["一行目\n二行目", "次"]


def test_it_reads_the_first_sheet_of_an_xlsx_with_excel_dates(
    personas: Personas, tmp_path: Path, person: Person
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append([datetime(2018, 4, 2, 14, 30), "電話", "家族", "母", person.number, None, "一"])
    sheet.append([date(2018, 4, 3), "来所", "本人", None, None, "toyoake-lead", "二"])
    sheet.append(["R1.5.1 10:00", "phone", "self", None, None, None, None])
    sheet.append([None, None, None, None, None, None, None])
    workbook.create_sheet("二枚目").append(["無関係"])
    path = tmp_path / "import.xlsx"
    workbook.save(path)
    run(personas, path)
    first, second, third = saved(personas)
    assert first.occurred_at == datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO)
    assert first.person_id == person.pk
    assert second.occurred_at == datetime(2018, 4, 3, 0, 0, tzinfo=TOKYO)
    assert second.staff == personas.members["lead"]
    assert third.occurred_at == datetime(2019, 5, 1, 10, 0, tzinfo=TOKYO)


def test_a_bad_row_in_the_middle_saves_nothing_and_is_named_by_line(
    personas: Personas, write_csv: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        "2018-04-02,電話,本人,,,,",
        "2018-04-03,電話,本人,,,,",
        "2018-02-30,電話,本人,,,,",
        "2018-04-05,電話,本人,,,,",
    )
    with pytest.raises(CommandError) as error:
        run(personas, path)
    assert error.value.returncode == 1
    assert saved(personas) == []
    err = capsys.readouterr().err
    assert "4" in err and "2018-02-30" in err
    assert "2018-04-05" not in err


def test_every_bad_row_is_reported_with_its_reason(
    personas: Personas, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        "2018-04-02,電話,本人,,,,",
        "2018-04-03,FAX,本人,,,,",
        "2018-04-04,電話,隣人,,,,",
        "2018-04-05,電話,家族,叔父,,,",
        "2018-04-06,電話,本人,,999,,",
        "2018-04-07,電話,本人,,,nobody,",
        "2018-04-08,電話,本人,,abc,,",
        ",電話,本人,,,,",
    )
    with scope(municipality=personas.municipality), translation.override("en"):
        importer = ConsultationImport(municipality=personas.municipality, actor=None)
        result = importer.save(path)
    assert not result.ok
    assert [e.line for e in result.errors] == [3, 4, 5, 6, 7, 8, 9]
    messages = [e.message for e in result.errors]
    assert "FAX" in messages[0] and "隣人" in messages[1] and "叔父" in messages[2]
    assert "999" in messages[3] and "nobody" in messages[4] and "abc" in messages[5]
    assert saved(personas) == []


def test_an_unknown_person_number_is_an_error(
    personas: Personas,
    write_csv: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    person: Person,
) -> None:
    with pytest.raises(CommandError):
        run(personas, write_csv(f"2018-04-02,電話,本人,,{person.number + 1},,"))
    assert str(person.number + 1) in capsys.readouterr().err
    assert saved(personas) == []


def test_a_person_of_another_municipality_is_unknown_here(
    personas: Personas, write_csv: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with scope(municipality=personas.outsider):
        stranger = person_create(actor=None, municipality=personas.outsider, name="三好")
    with pytest.raises(CommandError):
        run(personas, write_csv(f"2018-04-02,電話,本人,,{stranger.number},,"))
    assert saved(personas) == []


def test_an_unknown_staff_username_is_an_error(
    personas: Personas, write_csv: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CommandError):
        run(personas, write_csv("2018-04-02,電話,本人,,,miyoshi-counselor,"))
    assert "miyoshi-counselor" in capsys.readouterr().err
    assert saved(personas) == []


def test_missing_required_columns_are_one_clear_error(
    personas: Personas, write_csv: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv("2018-04-02,本人", header="日時,相談者")
    with pytest.raises(CommandError) as error:
        run(personas, path)
    assert "相談方法" in str(error.value)
    assert capsys.readouterr().err == ""


def test_a_file_not_in_utf8_is_a_clear_error(
    personas: Personas, write_csv: Callable[..., Path]
) -> None:
    path = write_csv("2018-04-02,電話,本人,,,,内容", encoding="cp932")
    with pytest.raises(CommandError) as error:
        run(personas, path)
    assert "UTF-8" in str(error.value)


@pytest.mark.parametrize(
    ("code", "shown"), [("232298", "232298"), ("abc", "abc"), ("012017", "012017")]
)
def test_a_bad_or_unknown_municipality_code_is_a_clear_error(
    personas: Personas, write_csv: Callable[..., Path], code: str, shown: str
) -> None:
    with pytest.raises(CommandError) as error:
        run(personas, write_csv("2018-04-02,電話,本人,,,,"), code=code)
    assert shown in str(error.value)


def test_a_missing_file_and_an_unsupported_extension_are_clear_errors(
    personas: Personas, tmp_path: Path
) -> None:
    with pytest.raises(CommandError) as missing:
        run(personas, tmp_path / "nothing.csv")
    assert "nothing.csv" in str(missing.value)
    text = tmp_path / "notes.txt"
    text.write_text("日時,相談方法,相談者\n")
    with pytest.raises(CommandError) as unsupported:
        run(personas, text)
    assert "notes.txt" in str(unsupported.value)


def test_an_empty_file_is_a_clear_error(personas: Personas, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with scope(municipality=personas.municipality), pytest.raises(ImportFileError):
        ConsultationImport(municipality=personas.municipality, actor=None).save(empty)


def test_the_tsunagu_command_prints_a_summary_and_exits_1_on_errors(
    personas: Personas,
    write_csv: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The command line closes every connection when it ends; the test's transaction needs it.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    good = write_csv("2018-04-02,電話,本人,,,,", "2018-04-03,電話,本人,,,,", name="good.csv")
    with translation.override("en"):
        assert main(["import", "consultations", "--municipality", "232297", str(good)]) == 0
    assert "Imported 2 consultations" in capsys.readouterr().out
    bad = write_csv("2018-04-02,電話,本人,,,,", "yesterday,電話,本人,,,,", name="bad.csv")
    with pytest.raises(SystemExit) as exit_:
        main(["import", "consultations", "--municipality", "232297", str(bad)])
    assert exit_.value.code == 1
    assert "yesterday" in capsys.readouterr().err
    assert len(saved(personas)) == 2


# About 15 s on an idle machine with SQLite, over 30 s beside other test runs.
@pytest.mark.slow
def test_it_imports_100000_rows_in_one_go(
    personas: Personas, tmp_path: Path, person: Person
) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        for i in range(100_000):
            out.write(
                f"H30.4.{i % 28 + 1} {i % 24}:{i % 60:02d},電話,家族,母,{person.number},"
                f"toyoake-counselor,相談{i}\r\n"
            )
    started = time.perf_counter()
    run(personas, path)
    elapsed = time.perf_counter() - started
    with scope(municipality=personas.municipality):
        assert Consultation.objects.count() == 100_000
        assert Consultation.objects.filter(summary__isnull=False).count() == 100_000
    print(f"\n100,000 rows imported in {elapsed:.1f} s")


def test_a_file_already_imported_is_refused_naming_when_and_by_whom_unless_forced(
    personas: Personas,
    write_csv: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    path = write_csv("2018-04-02,電話,本人,,,,", name="april.csv")
    run(personas, path)
    with pytest.raises(SystemExit) as exit_:
        main(["import", "consultations", "--municipality", "232297", str(path)])
    assert exit_.value.code == 1
    error = capsys.readouterr().err
    assert "コマンドライン" in error or "command line" in error
    assert "1" in error and "-" in error  # the date of the first import
    assert len(saved(personas)) == 1
    # The same content under another name is the same file.
    copy = write_csv("2018-04-02,電話,本人,,,,", name="copy.csv")
    with pytest.raises(CommandError):
        run(personas, copy)
    call_command("import_data", "consultations", str(path), municipality="232297", force=True)
    assert len(saved(personas)) == 2


def test_a_failed_import_does_not_count_as_imported(
    personas: Personas, write_csv: Callable[..., Path]
) -> None:
    path = write_csv("2018-04-02,電話,本人,,,,", "yesterday,電話,本人,,,,", name="bad.csv")
    with pytest.raises(CommandError):
        run(personas, path)
    with scope(municipality=personas.municipality):
        assert not ImportedFile.objects.exists()  # the same file may be fixed and sent again
