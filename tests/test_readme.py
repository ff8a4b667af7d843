"""The README's examples are real: its configuration example loads and builds its channels."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from digest.config import load
from digest.notify.settings import channel_from_settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_toml_example_is_valid_configuration(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", README, re.DOTALL)
    assert blocks
    env = {"DING_TOKEN": "t", "DING_SECRET": "SEC1", "HOOK_SECRET": "whsec_c2VjcmV0", "SMTP_PASSWORD": "p"}
    for block in blocks:
        tomllib.loads(block)
        config = tmp_path / "example.toml"
        config.write_text(block, encoding="utf-8")
        settings = load(config, environ=env)
        for subscriber in settings.subscribers:
            for channel in subscriber.channels:
                channel_from_settings(channel)


def test_the_quickstart_commands_are_where_ci_finds_them() -> None:
    for marker in ("<!-- quickstart:run -->", "<!-- quickstart:test -->"):
        assert re.search(re.escape(marker) + r"\n```bash\n\S.*\n```", README), marker
