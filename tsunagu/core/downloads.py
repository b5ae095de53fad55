"""A file made for one member to download (an export, a printed record), and its headers."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"

# Called by a long export with how far it is (0.0 to 1.0), for the progress bar.
Progress = Callable[[float], None]


@dataclass(frozen=True)
class ExportFile:
    """The bytes of a file and its names: ASCII for old clients, the local one for the rest."""

    body: bytes
    content_type: str
    ascii_name: str
    local_name: str = ""

    def content_disposition(self) -> str:
        disposition = f'attachment; filename="{self.ascii_name}"'
        if self.local_name and self.local_name != self.ascii_name:
            disposition += f"; filename*=UTF-8''{quote(self.local_name, safe='')}"
        return disposition
