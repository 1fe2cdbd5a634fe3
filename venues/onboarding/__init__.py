"""Onboarding venue staff: the national and the areas' material, each person's
yearly confirmation, and what follows from it (the venue checklist's staff
instruction, the coordinator's overview, the reminders, the desk's one line).

- `files`: what an uploaded file is, checked from its bytes;
- `material`: the material a person sees, in their language;
- `staff`: who has gone through it and who is due, per person and per site;
- `services`: publishing, correcting, confirming and reminding (every write);
- `forms`, `views`, `urls`: the pages.
"""
