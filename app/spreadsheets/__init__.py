"""Reading and writing the files people exchange with Qualifica: CSV, XLSX and ODS.

``reading`` checks an uploaded file and yields its rows (imports, the do-not-call list
and the ISTAT loader use it), within the limits of ``bounds`` (a workbook measured by
``workbooks`` before it is opened); ``downloads`` writes tables as Italian Excel opens them
(the board, the imports' reports and the salespeople's packs), ``safety`` makes cells a
spreadsheet would run as formulas inert.
"""
