"""Data-subject requests (export, anonymise, erase a contact person) and the retention
job that anonymises accounts never qualified after ``RETENTION_MONTHS``."""
