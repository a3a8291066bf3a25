/* Row accounting: one attainment row per project and criterion of the year's form (a table-level
   finding, no response), and no (response, criterion) twice. */
SELECT NULL AS response_id
WHERE (SELECT COUNT(*) FROM project_attainment WHERE grant_year = {{ grant_year }})
   <> (SELECT COUNT(*) FROM form_questions WHERE grant_year = {{ grant_year }} AND criterion_no IS NOT NULL)
    * (SELECT COUNT(*) FROM projects WHERE grant_year = {{ grant_year }})
UNION
SELECT a.response_id
FROM project_attainment a
WHERE a.grant_year = {{ grant_year }}
GROUP BY a.response_id, a.criterion_no
HAVING COUNT(*) > 1
