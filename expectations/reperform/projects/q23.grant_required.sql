/* Projects of the grant year without a readable grant amount (q23; an unreadable one is in cleaning_issues). */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.grant_amount_nok IS NULL
