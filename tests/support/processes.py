"""The processes of a `pbbot run --workers N`, found from outside as Linux shows them."""

from pathlib import Path


def _processes() -> dict[int, tuple[int, bytes]]:
    """Every process: its parent and its command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                found[int(entry.name)] = (int(fields[1]), (entry / "cmdline").read_bytes())
            except OSError:
                continue
    return found


def workers_of(supervisor: int) -> list[int]:
    """The worker processes of `supervisor`: forked by the fork server it started."""
    processes = _processes()
    servers = {
        pid
        for pid, (parent, command) in processes.items()
        if parent == supervisor and b"forkserver" in command
    }
    return [pid for pid, (parent, _) in processes.items() if parent in servers]


def is_running(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
