/* Projects of the grant year without a title (q13). */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.project_title IS NULL
