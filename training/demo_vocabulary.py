"""Word lists of the demo data generator: names, company prefixes, notes. No effect on outcomes."""

from __future__ import annotations

PREFIXES = [
    "Acme", "Apex", "Birch", "Bluewater", "Brightline", "Cedar", "Cobalt", "Crescent",
    "Evergreen", "Falcon", "Granite", "Harbor", "Ironwood", "Juniper", "Keystone", "Lakeshore",
    "Meridian", "Northstar", "Oakridge", "Pinnacle", "Quantum", "Redwood", "Silverline",
    "Summit", "Tidewave", "Trident", "Vertex", "Westbrook", "Zenith", "Orion", "Atlas", "Beacon",
]  # fmt: skip
FIRST_NAMES = [
    "James", "Mary", "Robert", "Linda", "Michael", "Sarah", "David", "Emma", "Thomas", "Laura",
    "Daniel", "Anna", "Lukas", "Sophie", "Pierre", "Claire", "Arjun", "Priya", "Rahul", "Olivia",
    "Noah", "Chloe", "Liam", "Mia", "Jan", "Eva", "Oliver", "Grace", "Ethan", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Clark", "Walker", "Young",
    "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
    "Schmidt", "Weber", "Meyer", "Dubois", "Martin", "Bernard", "Sharma", "Patel", "Gupta",
    "Jansen", "De Vries", "Murphy", "Kelly", "Evans", "Hughes", "Turner", "O'Brien", "Nguyen",
]  # fmt: skip
JUNK_EMAILS = ["test@test.com", "asdf@asdf.com", "noreply@example.com", "qwerty@mailinator.com"]

# owner_notes by status or loss reason (several options separated by |)
NOTES = {
    "open": "|New lead, not contacted yet|In sequence|Left voicemail",
    "won": "Signed annual plan|Closed after demo, strong champion|Signed after pilot",
    "disqualified": "Test submission|Duplicate of an existing lead|Spam",
    "Wrong target": "Outside our ICP|Too small for us|Not our industry",
    "No decision power": "Contact has no say in buying|Student project",
    "No real need": "Just browsing|Happy with current process",
    "Not the right moment": "Revisit next quarter|Re-org under way, call back later",
    "No budget": "No budget this year|Price too high for them",
    "Never reached": "No answer after 5 attempts|Bounced email",
    "Went with a competitor": "Chose a competitor|Signed with incumbent vendor",
}
