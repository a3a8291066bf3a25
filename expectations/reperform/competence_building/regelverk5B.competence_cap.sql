/* Counties that spent more than {{ max_value }} kr on competence building (q12). */
SELECT COALESCE(c.county, r.county_reported) AS county
FROM competence_building c
LEFT JOIN responses r ON r.grant_year = c.grant_year AND r.response_id = c.response_id
WHERE c.grant_year = {{ grant_year }} AND c.competence_total_nok > {{ max_value }}
