/* Projects of the grant year whose q37 (project report delivered to the county) is {{ value_set }}. */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.project_report_delivered IS NOT NULL
  AND (CASE WHEN p.project_report_delivered THEN 'Ja' ELSE 'Nei' END) IN ({{ value_set }})
