//! The application list parsed straight into deployments: a serde seed that converts each
//! item the moment it is read, so a 10,000-app list never exists as wire objects.

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;

use super::{App, ListMeta};
use crate::domain::mapping::Mapping;
use crate::domain::Deployment;

/// An application list read straight into deployments: each item is converted the moment it
/// is parsed, so the whole list never exists as wire objects (at 10,000 apps that would be a
/// second, larger copy of the payload next to the body bytes).
#[derive(Debug, Default)]
pub struct DeploymentList {
    pub resource_version: String,
    pub deployments: Vec<Deployment>,
    /// Items that could not be read, each named (`name: why`, or `item N: why`): skipped,
    /// so one malformed app never hides the others.
    pub skipped: Vec<String>,
}

/// How items of one instance's list become deployments.
#[derive(Clone, Copy)]
pub struct ListSeed<'a> {
    pub instance: usize,
    pub mapping: &'a Mapping,
    pub fallback_env: &'a str,
}

impl ListSeed<'_> {
    /// Parse a whole `v1alpha1ApplicationList` body.
    pub fn parse(self, body: &[u8]) -> serde_json::Result<DeploymentList> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let list = self.deserialize(&mut de)?;
        de.end()?;
        Ok(list)
    }
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = DeploymentList;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DeploymentList, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = DeploymentList;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an application list")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DeploymentList, A::Error> {
        let mut out = DeploymentList::default();
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match k.as_ref() {
                "metadata" => {
                    out.resource_version = map.next_value::<Option<ListMeta>>()?.unwrap_or_default().resource_version
                }
                "items" => (out.deployments, out.skipped) = map.next_value_seed(ItemsSeed(self))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// The `items` array (or `null`, which a fields-filtered empty list sends).
struct ItemsSeed<'a>(ListSeed<'a>);

/// The items read, and those skipped (named).
type Items = (Vec<Deployment>, Vec<String>);

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Items;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Items, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Items;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of applications or null")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Items, E> {
        Ok(Items::default())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Items, E> {
        Ok(Items::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Items, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
        let s = self.0;
        let (mut out, mut skipped) = (Vec::with_capacity(seq.size_hint().unwrap_or(0)), Vec::new());
        // Each item is first taken whole (its JSON syntax checked), then read as an app: an
        // item whose fields have the wrong types is skipped and named, the rest kept.
        while let Some(raw) = seq.next_element::<&serde_json::value::RawValue>()? {
            match serde_json::from_str::<App>(raw.get()) {
                Ok(app) => out.push(app.to_deployment(s.instance, s.mapping, s.fallback_env)),
                Err(e) => skipped.push(format!("{}: {e}", item_name(raw.get(), out.len() + skipped.len() + 1))),
            }
        }
        Ok((out, skipped))
    }
}

/// The name of an item that is not a readable app (`metadata.name` if that much reads),
/// else its position; sanitized, it is shown.
pub fn item_name(json: &str, position: usize) -> String {
    #[derive(serde::Deserialize)]
    struct Named {
        metadata: NamedMeta,
    }
    #[derive(serde::Deserialize)]
    struct NamedMeta {
        name: String,
    }
    match serde_json::from_str::<Named>(json) {
        Ok(n) if !n.metadata.name.is_empty() => crate::domain::sanitize::clean(&n.metadata.name),
        _ => format!("item {position}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(m: &Mapping) -> ListSeed<'_> {
        ListSeed { instance: 2, mapping: m, fallback_env: "prod" }
    }

    #[test]
    fn items_become_deployments_as_the_whole_app_path_would() {
        let m = Mapping::default();
        let body = br#"{"extra":{"x":[1,2]},"metadata":{"resourceVersion":"42"},"items":[
            {"metadata":{"name":"pay-prod","namespace":"argocd","labels":{"app.kubernetes.io/name":"pay"}},
             "status":{"health":{"status":"Degraded"},"sync":{"status":"OutOfSync"}}}]}"#;
        let list = seed(&m).parse(body).unwrap();
        assert_eq!(list.resource_version, "42");
        let app: App = serde_json::from_slice(
            br#"{"metadata":{"name":"pay-prod","namespace":"argocd","labels":{"app.kubernetes.io/name":"pay"}},
             "status":{"health":{"status":"Degraded"},"sync":{"status":"OutOfSync"}}}"#,
        )
        .unwrap();
        assert_eq!(list.deployments, vec![app.to_deployment(2, &m, "prod")]);
        assert_eq!(list.deployments[0].key.instance, 2);
        assert_eq!(list.deployments[0].service, "pay");
    }

    #[test]
    fn null_items_and_trailing_garbage() {
        let m = Mapping::default();
        let list = seed(&m).parse(br#"{"metadata":{"resourceVersion":"7"},"items":null}"#).unwrap();
        assert!(list.deployments.is_empty());
        assert_eq!(list.resource_version, "7");
        assert!(seed(&m).parse(br#"{"items":[]} x"#).is_err());
        // Broken syntax breaks the list; a wrong type breaks only its item.
        assert!(seed(&m).parse(br#"{"items":[{"metadata":]}"#).is_err());
        let list = seed(&m).parse(br#"{"items":[{"metadata":7},{"metadata":{"name":"ok"}}]}"#).unwrap();
        assert_eq!(list.deployments.len(), 1);
        assert_eq!(list.skipped.len(), 1);
        assert!(list.skipped[0].starts_with("item 1: invalid type"), "{:?}", list.skipped);
    }

    #[test]
    fn a_malformed_item_is_skipped_and_named_and_the_rest_kept() {
        let m = Mapping::default();
        let body = br#"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"bad\u001b[31m"},"spec":"x"},
            {"metadata":{"name":"c"}}]}"#;
        let list = seed(&m).parse(body).unwrap();
        let names: Vec<_> = list.deployments.iter().map(|d| d.key.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert!(list.skipped[0].starts_with("bad: invalid type: string"), "{:?}", list.skipped);
    }
}
