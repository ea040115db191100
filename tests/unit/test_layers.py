"""The direction of imports of DESIGN.md: conversations and budget are plain Python, storage
knows nothing of Telegram, bot may import everything."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    linter = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(linter), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_the_layers_import_only_downwards() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_framework_import_in_the_rules_would_break_the_contract(tmp_path: Path) -> None:
    """The contract is not vacuous: the same linter refuses a config where budget imports
    aiogram."""
    config = tmp_path / "contracts.ini"
    config.write_text(
        "[importlinter]\nroot_packages =\n    bot\n    budget\ninclude_external_packages = True\n"
        "[importlinter:contract:bot-only]\nname = budget never imports bot\ntype = forbidden\n"
        "source_modules =\n    bot\nforbidden_modules =\n    aiogram\n",
        encoding="utf-8",
    )
    result = lint_imports("--config", str(config))
    assert result.returncode != 0
    assert "bot" in result.stdout and "aiogram" in result.stdout
