"""`/strike-totals chart` and the Chart button over the fake Web API: both PNGs go up with files_upload_v2 (get
URL, upload on loopback, complete) with alt text and the sources in the message; without files:write the same
values come back privately as a text table."""

from __future__ import annotations

import io
import json

from PIL import Image

from bot.slack import blocks
from tests.slack.fake_slack import not_ok


def test_chart_command_uploads_two_pngs_into_the_channel(bot):
    sent = bot.command("/strike-totals", "chart")
    assert sent.status == 200
    (done,) = bot.fake.wait_for("files.completeUploadExternal", timeout=30)
    urls = bot.fake.of("files.getUploadURLExternal")
    assert len(urls) == 2 and all(c.body["alt_txt"] and int(c.body["length"]) > 1000 for c in urls)
    assert "Running total" in urls[0].body["alt_txt"] and "483,085" in urls[0].body["alt_txt"]
    assert done.body["channel_id"] == "C0CHAN"
    assert "https://example.org/nhse-apr23" in done.body["initial_comment"]
    for data in bot.fake.uploads.values():
        assert Image.open(io.BytesIO(data)).size == (1200, 600)
    assert bot.fake.of("response_url") == []


def test_chart_button_uploads_into_the_conversation_clicked_in(bot):
    payload_value = json.dumps({"arg": ""})
    bot.click(blocks.CHART, payload_value, message_ts="1700000001.000100")
    (done,) = bot.fake.wait_for("files.completeUploadExternal", timeout=30)
    assert done.body["channel_id"] == "C0CHAN"


def test_without_files_write_the_chart_falls_back_to_a_table(bot):
    bot.fake.script("files.getUploadURLExternal", not_ok("missing_scope"))
    bot.command("/strike-totals", "chart", response="chart")
    first = bot.fake.wait_for("response_url", 2, timeout=30)[0].body
    assert first["response_type"] == "ephemeral" and "files:write" in first["text"] + json.dumps(first["blocks"])
    assert "483,085" in first["text"] and "```" in json.dumps(first["blocks"])
    assert bot.fake.of("files.completeUploadExternal") == []
