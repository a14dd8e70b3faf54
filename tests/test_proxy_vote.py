"""One class vote across two app servers behind nginx (deploy/nginx.conf), both on one PostgreSQL
(a throwaway cluster, tests/postgres.py): students whose sessions nginx puts on different servers are
counted in the one vote the presenter (on one of them) sees, and all see the reveal.

Skipped without Chromium, nginx or PostgreSQL's binaries; a failure under CI=true.
"""

from __future__ import annotations

import pytest
from test_browser_vote import answer, bars, start_vote, wait_for_bars, wait_for_count
from test_proxy import (  # noqa: F401  (the chromium fixture is found by name)
    ARTIFACTS,
    chromium,
    new_session,
    no_exception,
    proxied_servers,
    route_of,
    served_by,
)

MOST_STUDENTS = 10  # nginx spreads new browsers over both servers; this many is plenty to reach both


@pytest.fixture(scope="module")
def shared_database_cluster(chromium, postgres_cluster):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", postgres_cluster.url)
        with proxied_servers(2, label="vote-proxy") as running:
            yield running


def server_of(context, cluster) -> str:
    return served_by(cluster, route_of(context))  # every request of a browser goes to one server


def test_students_on_both_servers_are_counted_in_one_vote(chromium, shared_database_cluster):
    cluster = shared_database_cluster
    presenter_context, presenter = new_session(chromium, cluster)
    code = start_vote(presenter)
    presenter_server = server_of(presenter_context, cluster)
    link = presenter.locator(".st-key-vote_link [data-testid=stText]").inner_text().strip()
    assert link == f"{cluster.base}/join?code={code}"  # the address the presenter's browser uses: nginx's

    students, servers = [], {}
    while len(servers) < 2 or len(students) < 3:
        assert len(students) < MOST_STUDENTS, f"nginx put {len(students)} new browsers all on {set(servers)}"
        context, tab = new_session(chromium, cluster)
        tab.goto(link)
        tab.wait_for_selector(f"text=Class vote {code}", timeout=30_000)
        answer(tab, [3, 3] if len(students) % 2 == 0 else [4, 4])
        servers.setdefault(server_of(context, cluster), []).append(tab)
        students.append(tab)
    assert set(servers) == set(cluster.servers), servers
    assert presenter_server in servers

    right = (len(students) + 1) // 2
    wait_for_count(presenter, len(students), seconds=8)
    shown = wait_for_bars(presenter, {"3 × 3": right, "4 × 4": len(students) - right})
    assert sum(count for count, _ in shown.values()) == len(students)
    presenter.screenshot(path=str(ARTIFACTS / "vote-proxy-presenter.png"))

    presenter.get_by_role("button", name="Close and reveal").click()
    presenter.wait_for_selector(f"text=The answer: 3 × 3 · {right} of {len(students)} right")
    for tab in students:  # students on the other server see the reveal too: it is in the shared database
        tab.wait_for_selector("text=The vote is closed", timeout=20_000)
        no_exception(tab)
    assert bars(presenter)
    for tab in [presenter, *students]:
        tab.context.close()
