/* Projects of the grant year whose q14 adds neighbours it does not name ("… og nabokommuner"). */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.unnamed_neighbours IN ({{ value_set }})
