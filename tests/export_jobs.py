"""Exports run as background jobs: start one through the test client as a page's button does
and get the finished job's download (the queue runs the task at once in the tests)."""


def export_via_job(client, kind: str, year: int | None = None):
    """POST /jobs/start/<kind> (with ``year``), then the job's status and its file; returns the
    download response (asserting each step on the way)."""
    started = client.post(f"/jobs/start/{kind}", data={"year": year} if year else {})
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    page_url = started.headers["Location"].rstrip("/")
    assert "/jobs/" in page_url, page_url
    status = client.get(page_url + "/status.json").get_json()
    assert status["state"] == "done", status
    download = client.get(status["file_url"])
    assert download.status_code == 200
    download.get_data()  # buffered, so the file it was sent from can be closed now
    download.close()
    return download
