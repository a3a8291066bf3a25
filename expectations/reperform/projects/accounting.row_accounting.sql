/* Row accounting: responses - superseded - set aside = projects (a table-level finding, no response),
   and no response is a project twice. */
SELECT NULL AS response_id
WHERE (SELECT COUNT(*) FROM responses WHERE grant_year = {{ grant_year }})
    - (SELECT COUNT(*) FROM superseded_responses WHERE grant_year = {{ grant_year }})
    - (SELECT COUNT(*) FROM set_aside_responses WHERE grant_year = {{ grant_year }})
   <> (SELECT COUNT(*) FROM projects WHERE grant_year = {{ grant_year }})
UNION
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }}
GROUP BY p.response_id
HAVING COUNT(*) > 1
