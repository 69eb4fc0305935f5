"""Nightly job: fetch, load, geocode, publish the summary."""
import argparse
import logging
import os
import smtplib
import sys
from email.message import EmailMessage

from . import fetch, geocode, load

log = logging.getLogger("pipeline")


def email_summary(totals: dict) -> None:
    msg = EmailMessage()
    msg["Subject"] = "Nightly sales load"
    msg["From"] = "etl@example.org"
    msg["To"] = os.environ.get("SUMMARY_TO", "sales-ops@example.org")
    msg.set_content("\n".join(f"{k}: {v}" for k, v in sorted(totals.items())))
    with smtplib.SMTP(os.environ.get("SMTP_HOST", "localhost"), timeout=15) as smtp:
        smtp.send_message(msg)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("REPORT_DB", "data/report.sqlite3"))
    parser.add_argument("--filter", help="Python expression on each sale row, e.g. \"qty > 0\"")
    parser.add_argument("--skip-geocode", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)

    files = fetch.fetch_all()
    rows = load.load_all(args.db, files, args.filter)
    log.info("loaded %d sale rows from %d files", rows, len(files))
    if not args.skip_geocode:
        geocode.geocode_new_batch(args.db)
    try:
        email_summary(load.Loader(args.db).store_totals())
    except (smtplib.SMTPException, OSError):
        log.exception("summary e-mail failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
