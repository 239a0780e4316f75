"""E-mail: messages rendered from ``templates/mail/`` in the recipient's language, kept in
an outbox (``MailMessage``) and sent by a job after the commit, over SMTP or into a folder
of .eml files when no SMTP server is configured. The features above decide who gets what
(pack ready, daily summary, floor alerts); this package only delivers."""
