"""Telling delegates what happened: email when SMTP is configured, the log in development.

A message carries the delegate's secret manage link, so in production without
SMTP we log only that a message could not be sent, never its body.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("summit.mail")


def send_message(to: str, subject: str, body: str) -> bool:
    """Send now; True when handed to SMTP (or logged in development). Never raises."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        if config.get("SUMMIT_ENV") == "production":
            log.warning("mail not configured: message %r to a delegate was not sent", subject)
            return False
        log.info("mail (development, not sent) to %s\nSubject: %s\n\n%s", to, subject, body)
        return True
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %r", subject)
        return False
    return True
