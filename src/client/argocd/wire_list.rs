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
                "items" => out.deployments = map.next_value_seed(ItemsSeed(self))?,
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

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Vec<Deployment>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Deployment>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Vec<Deployment>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of applications or null")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Vec<Deployment>, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<Deployment>, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Deployment>, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Deployment>, A::Error> {
        let s = self.0;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(app) = seq.next_element::<App>()? {
            out.push(app.to_deployment(s.instance, s.mapping, s.fallback_env));
        }
        Ok(out)
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
        assert!(seed(&m).parse(br#"{"items":[{"metadata":7}]}"#).is_err());
    }
}
