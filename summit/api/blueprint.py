"""The API's blueprint, in a file of its own: the views import it, and the package imports the views."""
from flask import Blueprint

api_bp = Blueprint("api", __name__)
