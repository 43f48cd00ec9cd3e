/**
 * The chart's templates as text (Go templates with Helm's sprig functions).
 * `scalebench.gpuType`: the GPU type of the cluster's nodes, found through
 * `lookup` from the labels of data/accelerators.json (when installing into a
 * cluster), else `gpu.type` (`helm template` and dry runs, where lookup
 * answers nothing). `scalebench.recipe`: select.ts's fallback chain over the
 * recipes table (exact, other GPU count, other precision; recipes the
 * pre-deploy checks reject are skipped), or `fail` naming what was looked for.
 */

export const helpersTpl = `{{/* The GPU type: from the nodes' labels when lookup reaches a cluster, else .Values.gpu.type. */}}
{{- define "scalebench.gpuType" -}}
{{- $types := list -}}
{{- $nodes := lookup "v1" "Node" "" "" -}}
{{- range $n := (get $nodes "items" | default list) -}}
{{- $labels := $n.metadata.labels | default dict -}}
{{- range $key, $values := $.Values.node_gpu_labels -}}
{{- $value := get $labels $key -}}
{{- if and $value (hasKey $values $value) -}}{{- $types = append $types (get $values $value) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- $types = $types | uniq | sortAlpha -}}
{{- if and $types (not (has $.Values.gpu.type $types)) -}}{{ first $types }}{{- else -}}{{ $.Values.gpu.type }}{{- end -}}
{{- end -}}

{{/* The recipe: .Values.recipe, or auto-selection (src/sizing/select.ts's chain over the table). */}}
{{- define "scalebench.recipe" -}}
{{- $v := .Values -}}
{{- if not $v.auto_select -}}
{{- if not (hasKey $v.recipes $v.recipe) -}}
{{- fail (printf "recipe %q is not in the chart's recipes table (auto_select is false); give one of: %s" $v.recipe (keys $v.recipes | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $v.recipe -}}
{{- else -}}
{{- $type := include "scalebench.gpuType" . -}}
{{- $max := int $v.gpu.count -}}
{{- $want := $v.precision -}}
{{- $found := "" -}}
{{- $seen := list -}}
{{- range $step := list "exact" "other GPU count" "other precision" -}}
{{- range $id := $v.recipe_order -}}
{{- $r := get $v.recipes $id -}}
{{- if and (not $found) (eq $r.model $v.model_id) (eq $r.hardware $type) -}}
{{- $n := int $r.gpu_count -}}
{{- if eq $step "exact" -}}{{- $seen = append $seen (printf "%s%s" $id (ternary "" " (rejected by the pre-deploy checks)" $r.fits)) -}}{{- end -}}
{{- if and $r.fits (or (and (eq $step "exact") (eq $r.precision $want) (eq $n $max)) (and (eq $step "other GPU count") (eq $r.precision $want) (lt $n $max)) (and (eq $step "other precision") (ne $r.precision $want) (le $n $max))) -}}
{{- $found = $id -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $found -}}
{{- fail (printf "no recipe fits %s on %s with at most %d GPUs per replica (%s preferred); the chart's recipes for it on %s: %s. Set gpu.type or gpu.count, or auto_select=false with recipe=<id>" $v.model_id $type $max $want $type (ternary "none" ($seen | sortAlpha | join ", ") (empty $seen))) -}}
{{- end -}}
{{- $found -}}
{{- end -}}
{{- end -}}
`;

/** The workload: the serving form × autoscaler's object with the recipe's container, annotations and placement, and the overrides. */
export const workloadTpl = `{{- $v := .Values -}}
{{- $id := include "scalebench.recipe" . -}}
{{- $r := get $v.recipes $id -}}
{{- $form := $v.serving -}}
{{- if not (hasKey $v.workloads $form) -}}{{- fail (printf "serving %q: expected one of %s" $form (keys $v.workloads | sortAlpha | join ", ")) -}}{{- end -}}
{{- $name := $v.autoscaling.name -}}
{{- if not (hasKey $v.autoscalers $name) -}}{{- fail (printf "autoscaling.name %q: expected one of %s" $name (keys $v.autoscalers | sortAlpha | join ", ")) -}}{{- end -}}
{{- if and $v.autoscaling.kind (ne $v.autoscaling.kind (get $v.autoscalers $name)) -}}{{- fail (printf "autoscaling.kind %q: autoscaler %q is %s" $v.autoscaling.kind $name (get $v.autoscalers $name)) -}}{{- end -}}
{{- $o := $v.overrides | default dict -}}
{{- if and $o.backend (ne $o.backend "vllm") -}}{{- fail (printf "overrides.backend %q: this chart serves vllm only" $o.backend) -}}{{- end -}}
{{- $obj := deepCopy (get (get $v.workloads $form) $name) -}}
{{- $c := deepCopy (get $r.container $form) -}}
{{- $count := int ($o.gpu_count | default $r.gpu_count) -}}
{{- if or $o.gpu_count $o.precision $o.vllm_args -}}
{{- $precision := $o.precision | default $r.precision -}}
{{- $args := concat (get $r.args_head $form) -}}
{{- if not $r.tp_in_extra -}}{{- $args = append $args (printf "--tensor-parallel-size=%d" $count) -}}{{- end -}}
{{- $args = append $args $r.prefix_flag -}}
{{- if eq $precision "fp8" -}}{{- $args = append $args "--quantization=fp8" -}}{{- end -}}
{{- $args = concat $args $r.kv_args $r.extra_args ($o.vllm_args | default list) -}}
{{- $_ := set $c "args" $args -}}
{{- $_ := set $c "resources" (merge (dict "limits" (dict $r.resource $count)) $c.resources) -}}
{{- end -}}
{{- range $k := keys ($o.env_vars | default dict) | sortAlpha -}}
{{- $_ := set $c "env" (append ($c.env | default list) (dict "name" $k "value" (toString (get $o.env_vars $k)))) -}}
{{- end -}}
{{- $_ := set $obj.metadata "annotations" (merge (deepCopy $r.annotations) ($obj.metadata.annotations | default dict)) -}}
{{- $pod := dict -}}
{{- if eq $form "deployment" -}}{{- $pod = $obj.spec.template.spec -}}{{- else -}}{{- $pod = $obj.spec.predictor -}}{{- end -}}
{{- if eq $form "kserve-hf" -}}{{- $_ := set $pod "model" $c -}}{{- else -}}{{- $_ := set $pod "containers" (list $c) -}}{{- end -}}
{{- $_ := set $pod "nodeSelector" $r.placement.nodeSelector -}}
{{- $_ := set $pod "tolerations" $r.placement.tolerations -}}
{{ toYaml $obj }}
`;

/** Literal text inside a template: Go template delimiters in it (Grafana's {{pod}}, alert templates) become text. */
export function literal(text: string): string {
  return text.replaceAll('{{', '{{ "{{" }}');
}

/** A template that renders `body` only when `condition` (a template expression) holds. */
export function guarded(condition: string, body: string): string {
  return `{{- if ${condition} }}\n${literal(body)}{{- end }}\n`;
}
