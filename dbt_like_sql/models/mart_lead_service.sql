-- One row per grant year and q22 option: which service led the projects. Percentages are of all
-- projects; a project whose lead service is unanswered counts in no row (the shares then sum
-- to less than 100). Labels are the form's, word for word.

with projects as (

    select * from {{ ref('projects') }}
    where grant_year = {{ grant_year }}

),

services (lead_service, sort_order, label) as (

    values
        ('frisklivssentral', 1, 'Frisklivssentral'),
        ('health_station', 2, 'Helsestasjon/skolehelsetjeneste'),
        ('physio_ergo', 3, 'Fysio- eller ergoterapitjeneste'),
        ('mental_health', 4, 'Psykisk helsetjeneste'),
        ('rehab_institution', 5, 'Kommunal rehabiliteringsinstitusjon'),
        ('gp', 6, 'Fastlege'),
        ('home_care', 7, 'Hjemmetjenesten'),
        ('other', 8, 'Annet, spesifiser:')

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
