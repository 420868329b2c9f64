"""The ceiling the event-day benchmark compares with: a hello-world Flask app, served the same way."""
from flask import Flask

app = Flask(__name__)


@app.post("/")
@app.get("/")
def hello():
    return "hello"
