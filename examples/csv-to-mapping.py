#!/usr/bin/env python3
"""Turns a CRM export (CSV) into an optout-bridge mapping file.

Each row names a contact (email, phone, CRM ids) and one NLPearl lead (pearlId, leadId). Rows whose keys are the
same become one contact with all their leads. Emails and phone numbers are written as they are: the bridge
normalises them when it loads the mapping (set mapping.defaultCountryCode for numbers without '+').

    examples/csv-to-mapping.py contacts.csv --crm hubspot="Record ID" -o mapping.json

Columns are found by header, case-insensitively: email (email, e-mail, email address), phone (phone,
phone number, mobile, mobile phone), pearlId (pearlid, pearl_id, pearl id, campaign id) and leadId (leadid,
lead_id, lead id); --email-column and the like name others. --crm NAME=COLUMN adds the key NAME:value, where NAME
is the sender's name in the configuration (its CRM ids' namespace). --pearl-id gives one campaign for every row.

The output is written to a temporary file and renamed, so a running bridge never reads half a file. Rows with no
lead or no key are reported on stderr with their line number and skipped; with --strict they make the exit 1.
Only the standard library is used.
"""

import argparse
import csv
import json
import os
import sys
import tempfile

DEFAULT_COLUMNS = {
    "email": ["email", "e-mail", "email address", "e-mail address"],
    "phone": ["phone", "phone number", "mobile", "mobile phone", "mobilephone"],
    "pearlId": ["pearlid", "pearl_id", "pearl id", "campaign id", "campaignid"],
    "leadId": ["leadid", "lead_id", "lead id"],
}


def find_column(header, explicit, candidates, what):
    """The index of the column named explicitly (an error if absent) or of the first candidate present."""
    lowered = [name.strip().lower() for name in header]
    if explicit is not None:
        if explicit.strip().lower() not in lowered:
            raise SystemExit(f"csv-to-mapping: no column '{explicit}' for {what}; the header has: {', '.join(header)}")
        return lowered.index(explicit.strip().lower())
    for candidate in candidates:
        if candidate in lowered:
            return lowered.index(candidate)
    return None


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="CRM export (CSV) to optout-bridge mapping JSON.")
    parser.add_argument("csv", help="the export; '-' reads standard input")
    parser.add_argument("-o", "--output", help="the mapping file to write (default: standard output)")
    parser.add_argument("--email-column")
    parser.add_argument("--phone-column")
    parser.add_argument("--pearl-id-column")
    parser.add_argument("--lead-id-column")
    parser.add_argument("--pearl-id", help="one pearlId for every row, when the export has no such column")
    parser.add_argument("--crm", action="append", default=[], metavar="NAME=COLUMN",
                        help="a CRM id column, written as the key NAME:value (repeatable)")
    parser.add_argument("--delimiter", default=",", help="the field separator (default ',')")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any row is skipped")
    return parser.parse_args(argv)


def convert(rows, arguments, warn):
    """Returns (mapping, skipped): the mapping object and the number of rows left out."""
    header = next(rows, None)
    if header is None:
        raise SystemExit("csv-to-mapping: the file is empty")
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    email = find_column(header, arguments.email_column, DEFAULT_COLUMNS["email"], "email")
    phone = find_column(header, arguments.phone_column, DEFAULT_COLUMNS["phone"], "phone")
    pearl = None
    if arguments.pearl_id is None:
        pearl = find_column(header, arguments.pearl_id_column, DEFAULT_COLUMNS["pearlId"], "pearlId")
        if pearl is None:
            raise SystemExit("csv-to-mapping: no pearlId column; name it with --pearl-id-column or give --pearl-id")
    lead = find_column(header, arguments.lead_id_column, DEFAULT_COLUMNS["leadId"], "leadId")
    if lead is None:
        raise SystemExit("csv-to-mapping: no leadId column; name it with --lead-id-column")
    crm = []
    for spec in arguments.crm:
        name, separator, column = spec.partition("=")
        if not separator or not name or not column:
            raise SystemExit(f"csv-to-mapping: --crm takes NAME=COLUMN, not '{spec}'")
        crm.append((name.strip(), find_column(header, column, [], f"--crm {name}")))

    contacts = {}  # keys tuple -> list of leads, in first-seen order
    seen_leads = {}
    skipped = 0
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(index):
            return row[index].strip() if index is not None and index < len(row) else ""

        keys = []
        if cell(email):
            keys.append("email:" + cell(email))
        if cell(phone):
            keys.append("phone:" + cell(phone))
        for name, index in crm:
            if cell(index):
                keys.append(f"{name}:{cell(index)}")
        pearl_id = arguments.pearl_id if arguments.pearl_id is not None else cell(pearl)
        lead_id = cell(lead)
        if not keys:
            warn(f"line {line}: no email, phone or CRM id; skipped")
            skipped += 1
            continue
        if not pearl_id or not lead_id:
            warn(f"line {line}: no pearlId or leadId; skipped")
            skipped += 1
            continue
        identity = tuple(keys)
        leads = contacts.setdefault(identity, [])
        seen = seen_leads.setdefault(identity, set())
        if (pearl_id, lead_id) not in seen:
            seen.add((pearl_id, lead_id))
            leads.append({"pearlId": pearl_id, "leadId": lead_id})
    mapping = {
        "version": 1,
        "contacts": [{"keys": list(keys), "leads": leads} for keys, leads in contacts.items()],
    }
    return mapping, skipped


def write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".mapping-", suffix=".json", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def main(argv):
    arguments = parse_arguments(argv)
    source = sys.stdin if arguments.csv == "-" else open(arguments.csv, newline="", encoding="utf-8")
    with source:
        mapping, skipped = convert(
            csv.reader(source, delimiter=arguments.delimiter), arguments,
            lambda message: print(f"csv-to-mapping: {arguments.csv}: {message}", file=sys.stderr))
    # One contact a line: readable, diffable, and small for a million contacts.
    lines = ",\n  ".join(json.dumps(contact, ensure_ascii=False) for contact in mapping["contacts"])
    text = '{"version": 1,\n "contacts": [\n  ' + lines + "\n]}\n"
    if arguments.output:
        write_atomically(arguments.output, text)
    else:
        sys.stdout.write(text)
    leads = sum(len(contact["leads"]) for contact in mapping["contacts"])
    print(f"csv-to-mapping: {len(mapping['contacts'])} contacts, {leads} leads, {skipped} rows skipped",
          file=sys.stderr)
    return 1 if skipped and arguments.strict else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
