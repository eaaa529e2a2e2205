{#- Every KPI formula, written once (docs/kpis.md, docs/requirements.md R-K1, R-K2, R-K3).
    Each macro is an SQL expression over the parts it is given, by default the columns of
    those names; a KPI model or roll-up passes other parts (a sum over a window, a gain)
    where its grain needs them. Rates are re-derived from summed parts, never averaged, and
    a rate whose denominator is 0 or unknown is null. -#}

{#- likes + comments + shares + saves; a metric the platform does not report counts as 0
    (Douyin saves, WeChat OA likes). unknown_without_views: null where views are unknown
    (an account's day with a content not reported), not the sum of what is known. -#}
{% macro interactions(unknown_without_views=false) -%}
    {%- set total -%}
        coalesce(likes, 0) + coalesce(comments, 0) + coalesce(shares, 0) + coalesce(saves, 0)
    {%- endset -%}
    {%- if unknown_without_views -%}
        case when views is not null then {{ total }} end
    {%- else -%}
        {{ total }}
    {%- endif -%}
{%- endmacro %}

{% macro engagement_rate(interactions='interactions', views='views') -%}
    ({{ interactions }}) / nullif({{ views }}, 0)
{%- endmacro %}

{% macro fan_engagement_rate(interactions='interactions', followers='followers_total') -%}
    ({{ interactions }}) / nullif({{ followers }}, 0)
{%- endmacro %}

{% macro share_rate() -%}
    shares / nullif(views, 0)
{%- endmacro %}

{#- views / impressions, over the contents of platforms that report impressions -#}
{% macro ctr() -%}
    views_with_impressions / nullif(impressions, 0)
{%- endmacro %}

{#- completed views / views, over the videos that report completions -#}
{% macro completion_rate() -%}
    completed_views / nullif(views_with_completions, 0)
{%- endmacro %}

{#- the followers gained since a base date / the followers on it; the gain is
    followers_total minus followers_before unless given (a roll-up's summed gain) -#}
{% macro follower_growth_rate(followers_before, gain=none) -%}
    ({{ gain or 'followers_total - ' ~ followers_before }}) / nullif({{ followers_before }}, 0)
{%- endmacro %}

{% macro unfollow_rate(followers_before) -%}
    unfollows / nullif({{ followers_before }}, 0)
{%- endmacro %}

{#- (gross new - paid) / gross new -#}
{% macro organic_follower_share() -%}
    organic_new_followers / nullif(gross_new_followers, 0)
{%- endmacro %}

{#- over the days loaded in the period -#}
{% macro posts_per_week() -%}
    posts * 7.0 / days_in_period
{%- endmacro %}

{% macro aov_yuan() -%}
    gmv_yuan / nullif(orders, 0)
{%- endmacro %}

{#- gmv / ad spend; a roll-up that counts other revenue passes its own gmv -#}
{% macro roi(gmv='gmv_yuan', spend='ad_spend_yuan') -%}
    ({{ gmv }}) / nullif({{ spend }}, 0)
{%- endmacro %}

{#- roi as the operations team reads it, "1:N" -#}
{% macro roi_label(gmv='gmv_yuan', spend='ad_spend_yuan') -%}
    case when ({{ spend }}) > 0 then '1:' || round(({{ gmv }}) / ({{ spend }}), 1) end
{%- endmacro %}
