"""Handing qualified accounts to the salespeople: who gets which account, waves, and the
exports (workbooks, PDFs, CRM load files) each salesperson receives."""
