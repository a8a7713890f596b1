"""The bell's unread count is read with the account in one statement (issue 15), yet always
shows the count of the moment: after marking a notice read on the site, or elsewhere."""

import re

from sqlalchemy import update

from grants.db import utcnow
from grants.domain.notifications import NotificationKind
from grants.domain.roles import Role
from grants.models import Notification


def _bell(client) -> int:
    html = client.get("/home").get_data(as_text=True)
    match = re.search(r'id="notification-count">(\d+)<', html)
    return int(match.group(1)) if match else 0


def test_the_bell_counts_what_is_unread_now(client, db, login, make_user):
    clerk = make_user(Role.CLERK)
    rows = [Notification(user_id=clerk.id, kind=NotificationKind.DOSSIER_RECEIVED.value,
                         title=f"Thông báo {n}", body="Nội dung") for n in range(3)]
    db.session.add_all(rows)
    db.session.commit()
    login(clerk)
    assert _bell(client) == 3
    response = client.post(f"/notifications/{rows[0].id}/read")
    assert response.status_code == 302
    assert _bell(client) == 2
    db.session.execute(update(Notification).where(Notification.id == rows[1].id)
                       .values(read_at=utcnow()))
    db.session.commit()
    assert _bell(client) == 1
    client.post("/notifications/read-all")
    assert _bell(client) == 0
