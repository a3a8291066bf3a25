/* Projects of the grant year granted {{ max_value }} kr or more (q23): revisor-attested accounts to verify. */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.grant_amount_nok >= {{ max_value }}
