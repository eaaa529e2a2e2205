{#- The account registry as last listed: one row per platform and account. The registry
    is landed whole every day (764,000 rows a year at `large`): a run types only its days
    and keeps the rows it had (a listing, delete+insert on the account), where a view typed
    every day's registry for each of its readers and tests. -#}
{{ config(materialized='incremental', unique_key=['platform', 'account_id'],
          incremental_strategy='delete+insert') }}
with {% call read_source(source('registry', 'accounts')) %}
    select
        record ->> 'platform' as platform,
        record ->> 'account_id' as account_id,
        record ->> 'account_name' as account_name,
        record ->> 'role' as account_role,
        _ingested_at,
        _source
    from source
{% endcall %},

{{ latest_listing('renamed', key="platform || '/' || account_id") }}

select * from final
