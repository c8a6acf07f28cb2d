"""The agent feed under Keystone: agents authenticate with keystoneauth1 (the
FeedClient takes a Session); the admin and service roles may read the feed, a
project member may not."""
from __future__ import annotations

import pytest
import requests

from neutrino.agent.feed import FeedClient, FeedError

pytestmark = pytest.mark.xdist_group("keystone")


def test_service_user_reads_a_hosts_state_and_watches_with_a_keystone_session(keystone,
                                                                               keystone_server):
    client = FeedClient(keystone_server.url, "feed-ks-host",
                        session=keystone.session(keystone.service_user))
    cursor, state = client.state()
    assert state.ports == ()
    new_cursor, changed = client.watch(cursor, timeout=0)
    assert changed is None and new_cursor.split(".")[1] == cursor.split(".")[1]


def test_admin_token_reads_the_feed(keystone, keystone_server):
    client = FeedClient(keystone_server.url, "feed-ks-host", session=keystone.session(keystone.admin))
    cursor, _ = client.state()
    assert cursor.startswith("1.")


def test_project_member_token_is_refused_403(keystone, keystone_server):
    member = keystone.projects["project-a"].member
    client = FeedClient(keystone_server.url, "feed-ks-host", session=keystone.session(member))
    with pytest.raises(FeedError) as err:
        client.state()
    assert err.value.status == 403


def test_feed_without_a_token_is_401(keystone_server):
    r = requests.get(f"{keystone_server.url}/feed/v1/hosts/h/state", timeout=30)
    assert r.status_code == 401
