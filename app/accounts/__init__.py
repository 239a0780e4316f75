"""The account base: one account per real company, with its phones, sources, contacts,
fleet, opportunities and open doubts; the status machine every change goes through; the
normalisation of names, addresses and identifiers; segments of the base."""
