"""Reading and writing the files people exchange with Qualifica: CSV, XLSX and ODS.

``reading`` checks an uploaded file and yields its rows (imports and the do-not-call
list use it), ``downloads`` writes tables as Italian Excel opens them (the board, the
imports' reports and the salespeople's packs), ``safety`` makes cells a spreadsheet would
run as formulas inert.
"""
