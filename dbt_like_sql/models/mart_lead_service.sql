-- One row per grant year and q22 option: which service led the projects. Percentages are of all
-- projects; a project whose lead service is unanswered counts in no row (the shares then sum
-- to less than 100). Labels are the form's, word for word.

with projects as (

    select * from {{ ref('projects') }}
    where grant_year = {{ grant_year }}

),

form_options as (

    select * from {{ ref('form_options') }}
    where grant_year = {{ grant_year }}

),

services as (

    select option_key as lead_service, sort_order, label
    from form_options
    where question_id = 'q22'

),

led as (

    select
        services.lead_service,
        services.sort_order,
        services.label,
        count(projects.response_id) as n_projects

    from services
    left join projects on projects.lead_service = services.lead_service
    group by services.lead_service, services.sort_order, services.label

),

project_count as (

    select count(*) as n_total_projects from projects

),

final as (

    select
        {{ grant_year }} as grant_year,
        led.lead_service,
        led.sort_order,
        led.label,
        led.n_projects,
        project_count.n_total_projects,
        {{ pct('led.n_projects', 'project_count.n_total_projects') }} as pct_of_projects

    from led
    cross join project_count

)

select * from final
