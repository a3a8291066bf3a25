/* Projects of the grant year whose grant amount (q23) is not above {{ min_value }} kr. */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.grant_amount_nok <= {{ min_value }}
