"""The yardstick of the load test: a bare Flask hello-world, served by the same gunicorn
settings as the app (``gunicorn … 'tests.load.hello:app'``)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
