"""Screenshots of the main screens into docs/screens/, desktop (1280×800) and phone (390×844).

    .venv/bin/python scripts/screens.py [--out docs/screens] [--chromium /usr/bin/chromium]
    .venv/bin/python scripts/screens.py --url http://127.0.0.1:8000 --password … [--only case]

Loads the demo into a fresh SQLite database in a temporary directory, serves it with
`tsunagu serve` on a free port of 127.0.0.1, logs in as 豊明市's lead (toyoake-lead) and saves
each screen as a palette PNG (at most three screens tall). Nothing outside the temporary
directory and the output folder is touched. Text is set in the Noto Sans CJK JP font the project
installs for its PDFs, so the pictures read the same on a machine without Japanese fonts.
Needs the test dependencies (Playwright) and Debian's Chromium. With --url it photographs a
demo already running there instead (quicker while styling; --only names the screens to take).
"""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CODE = "232297"  # 豊明市
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
TALL = 3  # screens at most
COLOURS = 256

# (file name, what it shows, path under /m/<code>/ or an absolute path; {case} and {person}
# are the demo's first case with an open risk and its person).
SCREENS = [
    ("home", "ホーム（センター長）", ""),
    ("person-list", "対象者一覧", "persons/"),
    ("person", "対象者のページ", "persons/{person}/"),
    ("case-list", "ケース一覧", "cases/"),
    ("case", "ケースのページ（段階・タイムライン・リスク）", "cases/{case}/"),
    ("quick-entry", "新規相談（クイック入力）", "consultations/new/?case={case}"),
    ("consultation-list", "相談記録一覧", "consultations/"),
    ("statistics", "統計", "statistics/"),
    ("calendar", "居場所・相談日のカレンダー", "places/calendar/"),
    ("audit", "監査", "audit/"),
    ("public", "公開ページ（ログイン不要）", f"/p/{CODE}/"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer on port {port} within {seconds:.0f} s")


@contextmanager
def demo_server(data_dir: Path, password: str) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "TSUNAGU_DATA_DIR": str(data_dir),
        "TSUNAGU_DEMO_PASSWORD": password,
        "TSUNAGU_DEMO_MODE": "1",
    }
    print("loading the demo into", data_dir, flush=True)
    subprocess.run([BIN / "tsunagu", "demo", "--no-serve"], env=env, check=True, cwd=ROOT)
    port = free_port()
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen(
        [BIN / "tsunagu", "serve", "--port", str(port), "--workers", "2", "--no-jobs"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(port, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def font_config(data_dir: Path) -> Path:
    """A fontconfig file adding the project's Japanese font to the system's fonts."""
    from tsunagu.core.pdf import font_path

    conf = data_dir / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{font_path().parent}</dir>\n"
        f"  <cachedir>{data_dir / 'fontconfig'}</cachedir>\n"
        "</fontconfig>\n"
    )
    return conf


def optimise(png: Path) -> None:
    """Store as a palette PNG: a fraction of the bytes, no visible change for a screen."""
    with Image.open(png) as image:
        picture = image.convert("RGB")
    palette = picture.quantize(
        colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    palette.save(png, optimize=True)


def shoot(
    url: str, password: str, out: Path, chromium: str, data_dir: Path, only: set[str]
) -> list[tuple[str, str]]:
    """Photograph each screen on each device; the (screen, device) pairs taken."""
    from playwright.sync_api import sync_playwright

    env: dict[str, str | float | bool] = {
        **os.environ,
        "FONTCONFIG_FILE": str(font_config(data_dir)),
    }
    rows: list[tuple[str, str]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"], env=env
        )
        for device, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                locale="ja-JP", viewport={"width": width, "height": height}
            )
            page = context.new_page()
            page.goto(f"{url}/accounts/login/")
            page.locator("#id_username").fill("toyoake-lead")
            page.locator("#id_password").fill(password)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{url}/m/{CODE}/")
            page.goto(f"{url}/m/{CODE}/cases/")
            href = page.locator("#case-table tr.table-danger a").first.get_attribute("href")
            ids = {"case": str(href).rstrip("/").rsplit("/", 1)[-1]}
            page.goto(f"{url}{href}")
            person = page.locator("#case-header h1 a").first.get_attribute("href")
            ids["person"] = str(person).rstrip("/").rsplit("/", 1)[-1]
            for name, _, path in SCREENS:
                if only and name not in only:
                    continue
                target = path.format(**ids)
                response = page.goto(
                    url + target if target.startswith("/") else f"{url}/m/{CODE}/{target}"
                )
                if response is None or not response.ok:
                    raise SystemExit(f"{target}: {response.status if response else 'no answer'}")
                page.wait_for_load_state("networkidle")
                png = out / f"{name}-{device}.png"
                # The window as tall as the page (at most three screens), so a sticky bar sits
                # where it ends up rather than in the middle of a stitched picture.
                tall = page.evaluate("() => document.documentElement.scrollHeight")
                tall = max(height, min(tall, height * TALL))
                page.set_viewport_size({"width": width, "height": tall})
                page.screenshot(path=png)
                page.set_viewport_size({"width": width, "height": height})
                optimise(png)
                rows.append((name, device))
                print(f"{png}: {png.stat().st_size // 1024} KB", flush=True)
            context.close()
        browser.close()
    return rows


def write_index(out: Path, taken: list[tuple[str, str]]) -> None:
    rows = [
        f"| {title} | {device} {w}×{h} | [{name}-{device}.png]({name}-{device}.png) |"
        for name, title, _ in SCREENS
        for device, (w, h) in VIEWPORTS.items()
        if (name, device) in taken
    ]
    (out / "README.md").write_text(
        "# Screenshots of the main screens\n\n"
        "Taken by `.venv/bin/python scripts/screens.py` from the demo (豊明市, logged in as the\n"
        "lead `toyoake-lead`; the public page without a log-in). Run it again after changing a\n"
        "screen and commit the pictures with the change. Each picture shows at most three\n"
        "screens of the page's height.\n\n"
        "| screen | size | file |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--url", help="a running demo (TSUNAGU_DEMO_MODE) to photograph")
    parser.add_argument("--password", help="the demo password of the running demo (--url)")
    parser.add_argument("--only", nargs="+", default=[], choices=[s[0] for s in SCREENS])
    options = parser.parse_args()
    if options.url and not options.password:
        parser.error("--url needs --password")
    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    only = set(options.only)
    with tempfile.TemporaryDirectory(prefix="tsunagu-screens-") as tmp:
        data_dir = Path(tmp)
        if options.url:
            rows = shoot(options.url, options.password, out, options.chromium, data_dir, only)
        else:
            password = secrets.token_urlsafe(18)
            with demo_server(data_dir, password) as url:
                rows = shoot(url, password, out, options.chromium, data_dir, only)
    if not only:
        write_index(out, rows)
    total = sum(p.stat().st_size for p in out.glob("*.png"))
    print(f"{len(list(out.glob('*.png')))} screenshots, {total / 1e6:.2f} MB in {out}")


if __name__ == "__main__":
    main()
