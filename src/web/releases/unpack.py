"""A release uploaded as a zip of its folder (``cd data/releases && zip -r R.zip R``), unpacked
for the importer under the same limits as a folder on the server. Nothing outside the one folder
is written: an entry in a deeper folder, with a name that climbs out (``..``) or is absolute, a
link, or over the size limits is refused, naming it."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from web.releases.trust import Trust
from web.releases.verification import ReleaseRefused


def unpack_release(archive: Path, into: Path, source: str, trust: Trust) -> Path:
    """Unpack the zip at ``archive`` (uploaded as ``source``) into the folder ``into``, which
    it makes; raises ``ReleaseRefused`` with every problem found, having written nothing."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            entries = [entry for entry in zipped.infolist() if not entry.is_dir()]
            problems = _problems(entries, trust)
            if problems:
                raise ReleaseRefused(Path(source), problems)
            into.mkdir(parents=True)
            for entry in entries:
                with zipped.open(entry) as member:
                    data = member.read(trust.max_file_bytes + 1)
                if len(data) > trust.max_file_bytes:  # a header that understated the size
                    raise ReleaseRefused(Path(source), [_too_big(entry.filename, trust)])
                (into / PurePosixPath(entry.filename).name).write_bytes(data)
    except (zipfile.BadZipFile, EOFError) as error:
        raise ReleaseRefused(
            Path(source),
            [
                f"{source}: not a zip file that can be read ({error}); zip the release's folder "
                "again"
            ],
        ) from None
    return into


def _problems(entries: list[zipfile.ZipInfo], trust: Trust) -> list[str]:
    problems = []
    folders: set[tuple[str, ...]] = set()
    names: set[str] = set()
    total = 0
    for entry in entries:
        parts = PurePosixPath(entry.filename).parts
        if (
            "\\" in entry.filename
            or entry.filename.startswith("/")
            or any(part in ("", ".", "..") for part in parts)
            or len(parts) > 2
        ):
            problems.append(
                f"{entry.filename}: not a file of the release's folder; zip the folder "
                "`bakehouse publish` wrote, and nothing else"
            )
            continue
        if stat.S_ISLNK(entry.external_attr >> 16):
            problems.append(f"{entry.filename}: a link, not a file; zip the files themselves")
            continue
        if parts[-1] in names:
            problems.append(f"{entry.filename}: a second file of that name; zip one release")
            continue
        names.add(parts[-1])
        folders.add(parts[:-1])
        if entry.file_size > trust.max_file_bytes:
            problems.append(_too_big(entry.filename, trust))
        total += entry.file_size
    if len(folders) > 1:
        problems.append(f"the zip holds {len(folders)} folders; zip one release's folder at a time")
    if total > trust.max_total_bytes:
        problems.append(
            f"the release unpacks to {total:,} bytes, over this web app's limit of "
            f"{trust.max_total_bytes:,} bytes for a whole release "
            "(BAKEHOUSE_RELEASE_MAX_TOTAL_BYTES)"
        )
    if not entries:
        problems.append("the zip holds no file; zip the release's folder")
    return problems


def _too_big(name: str, trust: Trust) -> str:
    return (
        f"{name}: over this web app's limit of {trust.max_file_bytes:,} bytes per file "
        "(BAKEHOUSE_RELEASE_MAX_FILE_BYTES)"
    )
