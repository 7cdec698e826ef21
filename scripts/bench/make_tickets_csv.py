#!/usr/bin/env python3
"""Writes a deterministic CSV of past service-desk tickets for scripts/bench/import.sh.

    scripts/bench/make_tickets_csv.py OUT.csv [--rows N] [--seed S]

The same rows and seed always give the same bytes (Python 3 stdlib only). The header is the
one `rapport import tickets` documents (README, "Importing past tickets"):

    external_id,title,status,category,priority,opened_at,resolved_at,closed_at,
    requester_email,requester_name,organization,vip,language,assignee_email,assignee_name,team

The desk it describes: ~3,000 requesters in 30 organizations (a few of them file most of
the tickets), 40 agents in 8 teams, categories routed to teams, priorities 1-4, tickets
opened over three years (2023-10-01 .. 2026-09-30 UTC) in office hours with quiet weekends,
rows in the order they were opened, mostly closed. Timestamps are RFC 3339 UTC; no
timestamp is later than 2026-11-10. Some titles hold commas or double quotes, so the file
exercises CSV quoting; some names are not ASCII.
"""

import argparse
import bisect
import calendar
import csv
import random
import sys
import time

START = calendar.timegm((2023, 10, 1, 0, 0, 0))
END = calendar.timegm((2026, 10, 1, 0, 0, 0))
DAY = 86400

FIRST = [
    "Ana", "Tom", "Maria", "João", "Lena", "Jürgen", "Sofia", "Lucas", "Emma", "Noah",
    "Olivia", "Liam", "Chloé", "Hugo", "Marta", "Pedro", "Inês", "Daan", "Sanne", "Lars",
    "Ingrid", "Mateo", "Lucía", "Carlos", "Aisha", "Omar", "Priya", "Ravi", "Mei", "Kenji",
    "Anna", "Paul", "Julia", "David", "Sarah", "Michael", "Laura", "Jonas", "Eva", "Felix",
    "Zoë", "Björn", "Elif", "Mehmet", "Agnieszka", "Piotr", "Fatima", "Yusuf", "Claire",
    "Antoine", "Giulia", "Marco", "Nina", "Oskar", "Rosa", "Samuel", "Tereza", "Viktor",
]
LAST = [
    "Silva", "Berg", "Santos", "Müller", "Schmidt", "Dubois", "Martin", "Jansen", "de Vries",
    "Nielsen", "Andersson", "García", "López", "Fernández", "Rossi", "Bianchi", "Smith",
    "Johnson", "Brown", "Taylor", "Wilson", "Nowak", "Kowalski", "Yılmaz", "Kaya", "Khan",
    "Patel", "Sharma", "Wang", "Tanaka", "Sato", "O'Brien", "Murphy", "Costa", "Pereira",
    "Oliveira", "Bakker", "Visser", "Novák", "Horvat", "Lindqvist", "Moreau", "Lefèvre",
    "Weber", "Fischer", "Wagner", "Becker", "Hoffmann",
]
ORG_NAMES = [
    "Finance", "Human Resources", "Legal", "Marketing", "Sales EMEA", "Sales Americas",
    "Customer Care", "Procurement", "Logistics", "Warehouse North", "Warehouse South",
    "Manufacturing", "Quality Assurance", "Research & Development", "Engineering",
    "Product Management", "Facilities", "Executive Office", "Internal Audit", "Treasury",
    "Communications", "Training Centre", "Field Service", "Retail Stores", "E-Commerce",
    "Data & Analytics", "Security Office", "Branch Lisbon", "Branch Munich", "Branch Lyon",
]
# (language, weight) per organization region.
LANGS = [("en", 60), ("de", 10), ("fr", 8), ("pt", 6), ("pt-BR", 4), ("es", 6), ("nl", 4),
         ("it", 2)]
TEAMS = [
    "Service Desk", "Desktop Support", "Network Operations", "Identity & Access",
    "Business Applications", "Collaboration", "Infrastructure", "Field Services",
]
# category -> (team index, weight, title templates)
CATEGORIES = [
    ("Hardware", 1, 16, [
        "Printer on floor {n} jams", "Laptop will not boot", "Docking station not detected",
        "Monitor flickering, second screen black", "Keyboard missing keys",
        "Replace broken laptop charger", "Printer \"{dev}\" shows paper jam, tray empty",
        "Laptop battery drains in an hour",
    ]),
    ("Software", 4, 18, [
        "Cannot install {app}", "{app} crashes on start", "Licence request: {app}",
        "Error \"0x80070005\" when updating {app}", "{app} very slow, freezes on save",
        "Update {app} to the latest version", "Add-in missing in {app}",
    ]),
    ("Access", 3, 20, [
        "Password reset", "Account locked out", "Access to shared folder {share}",
        "MFA phone changed, cannot sign in", "New starter account for {person}",
        "Remove access for leaver {person}", "Need admin rights for {app}",
    ]),
    ("Network", 2, 10, [
        "Wi-Fi drops in meeting room {n}", "VPN disconnects every few minutes",
        "No network on desk port {n}", "Slow internet, pages time out", "Cannot reach {share}",
    ]),
    ("Email", 5, 14, [
        "Mailbox full", "Shared mailbox {share} missing in Outlook",
        "Emails to external partner bounce", "Calendar invites not arriving",
        "Distribution list update: {share}", "Phishing email reported, please check",
    ]),
    ("Telephony", 5, 5, [
        "Desk phone has no dial tone", "Teams calls drop, audio choppy",
        "Voicemail PIN reset", "Headset not recognised",
    ]),
    ("Server", 6, 6, [
        "File server {share} out of space", "Backup job failed overnight",
        "Certificate expiring on {dev}", "Scheduled task not running on {dev}",
    ]),
    ("On-site", 7, 5, [
        "Move desk equipment to room {n}", "Meeting room screen not working, room {n}",
        "Collect old hardware, floor {n}", "Set up workstation for new starter, desk {n}",
    ]),
    ("General", 0, 6, [
        "Question about {app}", "How do I share my calendar?", "Request: new mobile phone",
        "Other: see description", "Follow-up on previous ticket, still broken",
    ]),
]
APPS = ["Excel", "Outlook", "SAP GUI", "Teams", "Adobe Acrobat", "Salesforce", "AutoCAD",
        "Power BI", "Zoom", "Chrome", "VS Code", "Visio", "SharePoint", "Jira"]
SHARES = ["\\\\fs01\\finance", "\\\\fs02\\projects", "HR-Team", "sales-emea", "facilities",
          "\\\\fs01\\scans", "it-announcements", "board-minutes"]
DEVICES = ["PRN-03-A", "PRN-05-B", "SRV-APP-07", "SRV-FS-02", "SRV-DB-11", "PRN-LOBBY"]

# Status mix of a three-year export: nearly everything is closed.
STATUSES = [("closed", 880), ("resolved", 50), ("open", 30), ("pending", 20), ("new", 12),
            ("reopened", 8)]
PRIORITIES = [("1", 2), ("2", 10), ("3", 50), ("4", 38)]
# Hours to resolve by priority: (median, spread of the log-normal).
RESOLVE_HOURS = {"1": (3, 0.8), "2": (10, 0.9), "3": (30, 1.0), "4": (60, 1.0)}
MAX_RESOLVE = 30 * DAY
# Opening times: relative weight per hour of a working day.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 6, 20, 45, 50, 46, 40, 28, 36, 42, 38, 30, 20, 10, 6, 4, 3, 2, 1]


def cumulative(weights):
    total, out = 0, []
    for w in weights:
        total += w
        out.append(total)
    return out


class Picker:
    """Weighted choice with one random() and a bisect (rng.choices is slower per call)."""

    def __init__(self, items, weights):
        self.items = items
        self.cum = cumulative(weights)
        self.total = self.cum[-1]

    def pick(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def slug(s):
    table = str.maketrans("àáâãäåçèéêëìíîïñòóôõöøùúûüýÿłışğ", "aaaaaaceeeeiiiinoooooouuuuyylisg")
    s = s.lower().translate(table)
    return "".join(c if c.isalnum() else "" for c in s.replace(" ", ""))


def build_desk(rng):
    teams = list(TEAMS)
    agents = []  # (email, name, team)
    used = set()
    for i in range(40):
        team = teams[i % len(teams)]
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{slug(first)}.{slug(last)}@desk.example"
            if email not in used:
                used.add(email)
                break
        agents.append((email, f"{first} {last}", team))
    agents_by_team = {t: [a for a in agents if a[2] == t] for t in teams}

    orgs = []
    lang_picker = Picker([l for l, _ in LANGS], [w for _, w in LANGS])
    for name in ORG_NAMES:
        size_weight = rng.choice([1, 1, 2, 2, 3, 4, 6])
        domain = "example.com" if rng.random() < 0.7 else f"{slug(name)[:10]}.example.net"
        orgs.append((name, size_weight, domain, lang_picker.pick(rng)))
    org_picker = Picker(orgs, [o[1] for o in orgs])

    requesters = []  # (email, name, org name, vip, language)
    used = set()
    for i in range(3000):
        org = org_picker.pick(rng)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        base = f"{slug(first)}.{slug(last)}"
        email = f"{base}@{org[2]}"
        n = 2
        while email in used:
            email = f"{base}{n}@{org[2]}"
            n += 1
        used.add(email)
        vip = "true" if rng.random() < 0.02 else "false"
        lang = org[3] if rng.random() < 0.85 else lang_picker.pick(rng)
        requesters.append((email, f"{first} {last}", org[0], vip, lang))
    # A few people file most tickets: weight ~ 1 / rank^0.8.
    order = list(range(len(requesters)))
    rng.shuffle(order)
    weights = [0.0] * len(requesters)
    for rank, i in enumerate(order, start=1):
        weights[i] = 1.0 / rank ** 0.8
    return agents_by_team, Picker(requesters, weights)


def day_plan(rows):
    """How many tickets open on each day: weekdays busy, weekends quiet, a little noise."""
    days = list(range(START // DAY, END // DAY))
    weights = []
    for d in days:
        weekday = (d + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        weights.append(1.0 if weekday < 5 else 0.12)
    total = sum(weights)
    counts, acc, given = [], 0.0, 0
    for w in weights:
        acc += w * rows / total
        n = int(round(acc)) - given
        counts.append(n)
        given += n
    return days, counts


class Stamp:
    """RFC 3339 UTC text of a Unix time, with the date part cached per day."""

    def __init__(self):
        self.days = {}

    def __call__(self, t):
        d, s = divmod(t, DAY)
        prefix = self.days.get(d)
        if prefix is None:
            prefix = time.strftime("%Y-%m-%dT", time.gmtime(d * DAY))
            self.days[d] = prefix
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{prefix}{h:02d}:{m:02d}:{s:02d}Z"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    agents_by_team, requester_picker = build_desk(rng)
    category_picker = Picker(CATEGORIES, [c[2] for c in CATEGORIES])
    status_picker = Picker([s for s, _ in STATUSES], [w for _, w in STATUSES])
    priority_picker = Picker([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])
    hour_cum = cumulative(HOUR_WEIGHTS)
    hour_total = hour_cum[-1]
    stamp = Stamp()
    days, counts = day_plan(args.rows)

    def fill(template):
        if "{" not in template:
            return template
        return template.format(
            n=rng.randint(1, 12), app=rng.choice(APPS), share=rng.choice(SHARES),
            dev=rng.choice(DEVICES),
            person=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        )

    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["external_id", "title", "status", "category", "priority", "opened_at",
                    "resolved_at", "closed_at", "requester_email", "requester_name",
                    "organization", "vip", "language", "assignee_email", "assignee_name",
                    "team"])
        seq = 1_000_000
        chunk = []
        for day, count in zip(days, counts):
            times = sorted(
                day * DAY
                + 3600 * bisect.bisect_right(hour_cum, rng.random() * hour_total)
                + rng.randrange(3600)
                for _ in range(count)
            )
            for opened in times:
                seq += 1
                name, team_index, _, templates = category_picker.pick(rng)
                status = status_picker.pick(rng)
                priority = priority_picker.pick(rng)
                requester = requester_picker.pick(rng)
                # Most tickets stay with the team the category routes to; some are moved.
                team = TEAMS[team_index] if rng.random() < 0.85 else rng.choice(TEAMS)
                resolved = closed = ""
                if status in ("closed", "resolved", "reopened"):
                    median, spread = RESOLVE_HOURS[priority]
                    hours = min(rng.lognormvariate(0, spread) * median, MAX_RESOLVE / 3600)
                    r = opened + max(300, int(hours * 3600))
                    if status == "reopened":
                        resolved = stamp(r) if rng.random() < 0.5 else ""
                    else:
                        resolved = stamp(r)
                    if status == "closed":
                        closed = stamp(r + rng.randrange(3600, 7 * DAY))
                if status == "new" or (status == "open" and rng.random() < 0.2):
                    agent_email = agent_name = ""
                    if status == "new":
                        team = "Service Desk" if rng.random() < 0.7 else team
                else:
                    agent = rng.choice(agents_by_team[team])
                    agent_email, agent_name = agent[0], agent[1]
                chunk.append((
                    f"INC{seq:07d}", fill(rng.choice(templates)), status, name, priority,
                    stamp(opened), resolved, closed, requester[0], requester[1], requester[2],
                    requester[3], requester[4], agent_email, agent_name, team,
                ))
                if len(chunk) >= 10_000:
                    w.writerows(chunk)
                    chunk.clear()
        w.writerows(chunk)
    written = seq - 1_000_000
    if written != args.rows:
        sys.exit(f"internal error: wrote {written} rows, expected {args.rows}")


if __name__ == "__main__":
    main()
