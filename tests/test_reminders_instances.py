"""`reminders send-due` run by several processes on one state database at once (each instance's scheduler, or a
cron job on two machines): every reminder is posted exactly once. On both engines; the PostgreSQL run skips,
with the reason, where no server can start here."""

from __future__ import annotations

import re

from tests.test_reminders_delivery import (  # noqa: F401 (shared fixtures)
    CHANNEL,
    World,
    fake,
    send_due_in_two_processes,
    world,
)

CHANNELS = [CHANNEL] + [f"C0REMIND{n:02d}" for n in range(2, 9)]  # 8 channels x 2 ballots = 16 reminders due


def test_two_send_due_processes_on_one_database_post_each_reminder_once(world: World) -> None:  # noqa: F811
    for channel in CHANNELS:
        world.subscribe(channel)
    outs = send_due_in_two_processes(world, timeout=90)
    posted = sorted((channel, post["text"].splitlines()[1]) for channel in CHANNELS
                    for post in world.fake.posts(channel))
    assert len(posted) == 16 and len(set(posted)) == 16  # each (channel, ballot) once
    sent = [int(re.search(r"sent (\d+)", out).group(1)) for out, _ in outs]
    assert sum(sent) == 16, outs  # between them the two processes sent each once; neither sent one twice
    log = world.state.reminder_log()
    sent_rows = [r for r in log if r.status == "sent"]
    assert len(sent_rows) == 16 and len({(r.ballot_id, r.subscription_id) for r in sent_rows}) == 16
    assert all(r.message_ts for r in sent_rows)
    assert "claimed" not in {r.status for r in log}  # no claim left open (the other rows: closed ballots, missed)
