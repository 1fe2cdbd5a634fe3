"""Uses recorded on paper or in a spreadsheet, and brought in afterwards.

- `offline_table`: the offline Excel table and the A4 paper form of a site;
- `files`: an uploaded file read within a budget of bytes, rows and CPU
  (`workbook_reader` reads a workbook in a process of its own);
- `imports`: the file's columns, the preview of every row and its
  confirmation, which records through `usage.services`;
- `views`, `forms` and `urls`: the pages of the above.
"""
