# Parses calendar files with Debian's python3-icalendar (an independent parser) and prints what a
# calendar program would show, one JSON line per event: method, uid, sequence, status, the start as
# the UTC instant and as local time with its zone. Input: .eml or .ics files named on the command line.
import email
import json
import sys
from datetime import timezone

from icalendar import Calendar


def calendars(path):
    data = open(path, "rb").read()
    if path.endswith(".ics"):
        yield data
        return
    for part in email.message_from_bytes(data).walk():
        if part.get_content_type() == "text/calendar":
            yield part.get_payload(decode=True)


for path in sys.argv[1:]:
    for raw in calendars(path):
        cal = Calendar.from_ical(raw)
        for ev in cal.walk("VEVENT"):
            start = ev.decoded("DTSTART")
            end = ev.decoded("DTEND") if "DTEND" in ev else start + ev.decoded("DURATION")
            print(json.dumps({
                "file": path,
                "method": str(cal.get("METHOD")),
                "uid": str(ev.get("UID")),
                "sequence": int(ev.get("SEQUENCE", 0)),
                "status": str(ev.get("STATUS")),
                "tzid": ev["DTSTART"].params.get("TZID"),
                "utc": start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "local": start.strftime("%Y-%m-%dT%H:%M%z"),
                "end_utc": end.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "location": str(ev.get("LOCATION")),
                "summary": str(ev.get("SUMMARY")),
            }))
