/* Projects of the grant year granted more than {{ max_value }} kr (q23): an evaluation plan to verify. */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.grant_amount_nok > {{ max_value }}
